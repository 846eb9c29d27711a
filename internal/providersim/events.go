package providersim

import (
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// EventType is what the simulator did to an external resource.
type EventType string

// What the simulator does.
const (
	// EventCreate: the external resource was created.
	EventCreate EventType = "Create"
	// EventUpdate: an update was applied.
	EventUpdate EventType = "Update"
	// EventRefuse: an update was refused because it requires replacing the
	// resource (ForceNew); recorded once per distinct refusal.
	EventRefuse EventType = "Refuse"
	// EventDelete: the external resource was deleted.
	EventDelete EventType = "Delete"
	// EventOrphan: the managed resource was deleted and the external
	// resource kept (deletionPolicy Orphan, or managementPolicies without
	// Delete).
	EventOrphan EventType = "Orphan"
	// EventInvoke: a Lambda function was invoked; Message is the payload.
	EventInvoke EventType = "Invoke"
	// EventError: a create, update, delete or invocation failed; Message is
	// the Synced condition's message.
	EventError EventType = "Error"
)

// An Event records one thing the simulator did, for test assertions.
type Event struct {
	Time         time.Time
	Type         EventType
	APIVersion   string
	Kind         string
	Name         string
	UID          types.UID
	ExternalName string
	Message      string
}

// Events returns what the simulator did so far, oldest first.
func (s *Simulator) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

func (s *Simulator) record(t EventType, u *unstructured.Unstructured, msg string) {
	e := Event{
		Time: s.o.Now(), Type: t, APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Name: u.GetName(),
		UID: u.GetUID(), ExternalName: meta.GetExternalName(u), Message: msg,
	}
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
	s.o.Log.Info(string(t), "kind", e.Kind, "name", e.Name, "external-name", e.ExternalName, "message", msg)
}

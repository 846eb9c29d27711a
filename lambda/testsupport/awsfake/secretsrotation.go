package awsfake

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
)

// Staging labels of the rotation protocol.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// RotatingSecret fakes one Secrets Manager secret with versions and staging
// labels, as a rotation function sees it: DescribeSecret, GetSecretValue
// (by VersionId and/or VersionStage), PutSecretValue, UpdateSecretVersionStage
// and GetRandomPassword (AWS JSON 1.1).
//
// It follows the service's documented rules: a label is on at most one
// version; moving AWSCURRENT moves AWSPREVIOUS to the version it left;
// UpdateSecretVersionStage must name the version a label is removed from;
// a version that RotateSecret announced (StartRotation) has no value until
// PutSecretValue gives it one, and GetSecretValue answers
// ResourceNotFoundException for it; PutSecretValue with an existing version
// ID is idempotent for the same value and refused for another.
type RotatingSecret struct {
	base
	arn, name string
	enabled   bool
	versions  map[string]*secretVersion
	order     []string
	// passwords overrides GetRandomPassword's answers, in order (tests of
	// a service that returns something unexpected).
	passwords []string
}

type secretVersion struct {
	value  *string
	stages []string
}

// NewRotatingSecret starts a fake holding one secret, without any value
// (as an aws_secretsmanager_secret without a version is), with rotation
// enabled.
func NewRotatingSecret(arn string) *RotatingSecret {
	name := arn
	if i := strings.LastIndex(arn, ":secret:"); i >= 0 {
		name = arn[i+len(":secret:"):]
	}
	s := &RotatingSecret{arn: arn, name: name, enabled: true, versions: map[string]*secretVersion{}}
	s.start(http.HandlerFunc(s.serve))
	return s
}

// ARN is the secret's ARN.
func (s *RotatingSecret) ARN() string { return s.arn }

// SetRotationEnabled sets DescribeSecret's RotationEnabled.
func (s *RotatingSecret) SetRotationEnabled(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enabled = on
}

// OverrideRandomPasswords makes the next GetRandomPassword calls answer
// these passwords, one per call.
func (s *RotatingSecret) OverrideRandomPasswords(pw ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passwords = append(s.passwords, pw...)
}

// StartRotation does what RotateSecret does before it invokes the rotation
// function: it attaches AWSPENDING to a new version ID (token) that has no
// value yet. Like the service, it refuses while AWSPENDING is on a version
// that is not also AWSCURRENT (a rotation in progress).
func (s *RotatingSecret) StartRotation(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := s.holderLocked(StagePending); id != "" && id != s.holderLocked(StageCurrent) {
		return fmt.Errorf("a previous rotation isn't complete: AWSPENDING is on version %s", id)
	}
	if _, ok := s.versions[token]; ok {
		return fmt.Errorf("version %s already exists", token)
	}
	s.addVersionLocked(token, nil)
	s.moveLocked(StagePending, token)
	return nil
}

// PutVersion stores a version directly (test setup, or tampering).
func (s *RotatingSecret) PutVersion(id, value string, stages ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := value
	if _, ok := s.versions[id]; !ok {
		s.addVersionLocked(id, &v)
	} else {
		s.versions[id].value = &v
	}
	for _, st := range stages {
		s.moveLocked(st, id)
	}
}

// Value returns the value of the version holding stage, and its ID.
func (s *RotatingSecret) Value(stage string) (value, versionID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.holderLocked(stage)
	if id == "" || s.versions[id].value == nil {
		return "", id, false
	}
	return *s.versions[id].value, id, true
}

// Stages returns VersionIdsToStages.
func (s *RotatingSecret) Stages() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stagesLocked()
}

// Count is the number of calls of an operation served.
func (s *RotatingSecret) Count(op string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Operation == op {
			n++
		}
	}
	return n
}

func (s *RotatingSecret) stagesLocked() map[string][]string {
	out := map[string][]string{}
	for id, v := range s.versions {
		if len(v.stages) > 0 {
			out[id] = append([]string(nil), v.stages...)
		}
	}
	return out
}

func (s *RotatingSecret) addVersionLocked(id string, value *string) {
	s.versions[id] = &secretVersion{value: value}
	s.order = append(s.order, id)
}

func (s *RotatingSecret) holderLocked(stage string) string {
	for _, id := range s.order {
		if slices.Contains(s.versions[id].stages, stage) {
			return id
		}
	}
	return ""
}

// moveLocked attaches stage to id, removing it from any other version;
// moving AWSCURRENT moves AWSPREVIOUS to the version it left.
func (s *RotatingSecret) moveLocked(stage, id string) {
	old := s.holderLocked(stage)
	if old == id {
		return
	}
	if old != "" {
		s.removeLocked(stage, old)
	}
	s.versions[id].stages = append(s.versions[id].stages, stage)
	if stage == StageCurrent && old != "" {
		s.moveLocked(StagePrevious, old)
	}
}

func (s *RotatingSecret) removeLocked(stage, id string) {
	v := s.versions[id]
	v.stages = slices.DeleteFunc(v.stages, func(x string) bool { return x == stage })
}

func str(params map[string]any, k string) string {
	v, _ := params[k].(string)
	return v
}

func (s *RotatingSecret) serve(w http.ResponseWriter, r *http.Request) {
	op, params, ok := s.accept(w, r, "secretsmanager")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if op != "GetRandomPassword" {
		if id := str(params, "SecretId"); id != s.arn && id != s.name {
			jsonError(w, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
			return
		}
	}
	switch op {
	case "DescribeSecret":
		jsonOK(w, map[string]any{"ARN": s.arn, "Name": s.name, "RotationEnabled": s.enabled,
			"VersionIdsToStages": s.stagesLocked()})
	case "GetSecretValue":
		s.getValue(w, params)
	case "PutSecretValue":
		s.putValue(w, params)
	case "UpdateSecretVersionStage":
		s.updateStage(w, params)
	case "GetRandomPassword":
		s.randomPassword(w, params)
	default:
		jsonError(w, 400, "UnknownOperationException", op+" is not faked")
	}
}

func (s *RotatingSecret) getValue(w http.ResponseWriter, params map[string]any) {
	id, stage := str(params, "VersionId"), str(params, "VersionStage")
	if id == "" && stage == "" {
		stage = StageCurrent
	}
	if id == "" {
		id = s.holderLocked(stage)
	}
	v, found := s.versions[id]
	if !found || v.value == nil || stage != "" && !slices.Contains(v.stages, stage) {
		jsonError(w, 400, "ResourceNotFoundException",
			fmt.Sprintf("Secrets Manager can't find the specified secret value for VersionId: %s, VersionStage: %s", id, stage))
		return
	}
	jsonOK(w, map[string]any{"ARN": s.arn, "Name": s.name, "VersionId": id, "SecretString": *v.value,
		"VersionStages": v.stages, "CreatedDate": 1.7e9})
}

func (s *RotatingSecret) putValue(w http.ResponseWriter, params map[string]any) {
	id, value := str(params, "ClientRequestToken"), str(params, "SecretString")
	if id == "" || value == "" {
		jsonError(w, 400, "InvalidParameterException", "ClientRequestToken and SecretString are required here")
		return
	}
	var stages []string
	if raw, ok := params["VersionStages"].([]any); ok {
		for _, x := range raw {
			st, _ := x.(string)
			stages = append(stages, st)
		}
	} else {
		stages = []string{StageCurrent}
	}
	if v, ok := s.versions[id]; ok && v.value != nil {
		if *v.value != value {
			jsonError(w, 400, "ResourceExistsException", "A resource with the ID you requested already exists.")
			return
		}
	} else if ok {
		v.value = &value
	} else {
		s.addVersionLocked(id, &value)
	}
	for _, st := range stages {
		s.moveLocked(st, id)
	}
	jsonOK(w, map[string]any{"ARN": s.arn, "Name": s.name, "VersionId": id, "VersionStages": s.versions[id].stages})
}

func (s *RotatingSecret) updateStage(w http.ResponseWriter, params map[string]any) {
	stage, to, from := str(params, "VersionStage"), str(params, "MoveToVersionId"), str(params, "RemoveFromVersionId")
	if stage == "" {
		jsonError(w, 400, "InvalidParameterException", "VersionStage is required")
		return
	}
	holder := s.holderLocked(stage)
	if from != "" && from != holder {
		jsonError(w, 400, "InvalidParameterException",
			fmt.Sprintf("The staging label %s is not attached to version %s.", stage, from))
		return
	}
	if to != "" {
		if _, ok := s.versions[to]; !ok {
			jsonError(w, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret version "+to)
			return
		}
		if holder != "" && holder != to && from != holder {
			jsonError(w, 400, "InvalidParameterException",
				fmt.Sprintf("The staging label %s is currently attached to version %s; specify it as RemoveFromVersionId.", stage, holder))
			return
		}
		s.moveLocked(stage, to)
	} else if from != "" {
		s.removeLocked(stage, from)
	}
	jsonOK(w, map[string]any{"ARN": s.arn, "Name": s.name})
}

// Character classes of GetRandomPassword.
const (
	lowers       = "abcdefghijklmnopqrstuvwxyz"
	uppers       = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits       = "0123456789"
	punctuations = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

func (s *RotatingSecret) randomPassword(w http.ResponseWriter, params map[string]any) {
	if len(s.passwords) > 0 {
		pw := s.passwords[0]
		s.passwords = s.passwords[1:]
		jsonOK(w, map[string]any{"RandomPassword": pw})
		return
	}
	n := 32
	if v, ok := params["PasswordLength"].(float64); ok {
		n = int(v)
	}
	if n < 1 || n > 4096 {
		jsonError(w, 400, "InvalidParameterException", "PasswordLength must be between 1 and 4096")
		return
	}
	exclude := str(params, "ExcludeCharacters")
	flag := func(k string, def bool) bool {
		if v, ok := params[k].(bool); ok {
			return v
		}
		return def
	}
	var classes []string
	keep := func(set string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(exclude, r) {
				return -1
			}
			return r
		}, set)
	}
	if !flag("ExcludeLowercase", false) {
		classes = append(classes, keep(lowers))
	}
	if !flag("ExcludeUppercase", false) {
		classes = append(classes, keep(uppers))
	}
	if !flag("ExcludeNumbers", false) {
		classes = append(classes, keep(digits))
	}
	if !flag("ExcludePunctuation", false) {
		classes = append(classes, keep(punctuations))
	}
	if flag("IncludeSpace", false) {
		classes = append(classes, keep(" "))
	}
	classes = slices.DeleteFunc(classes, func(c string) bool { return c == "" })
	all := strings.Join(classes, "")
	if all == "" {
		jsonError(w, 400, "InvalidParameterException", "no characters left to generate a password from")
		return
	}
	pick := func(set string) byte {
		i, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[i.Int64()]
	}
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = pick(all)
		}
		pw := string(b)
		if flag("RequireEachIncludedType", true) && n >= len(classes) {
			missing := false
			for _, c := range classes {
				if !strings.ContainsAny(pw, c) {
					missing = true
				}
			}
			if missing {
				continue
			}
		}
		jsonOK(w, map[string]any{"RandomPassword": pw})
		return
	}
}

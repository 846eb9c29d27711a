// Package emf writes CloudWatch Embedded Metric Format records: one JSON
// object per line on the Lambda's stdout, from which CloudWatch Logs extracts
// metrics without any PutMetricData call.
package emf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/acme-payments/xpaymentplatform/internal/contract"
)

// Namespace is the CloudWatch namespace of every migration metric.
const Namespace = contract.MetricNamespace

// Units used by this project.
const (
	UnitCount        = "Count"
	UnitMilliseconds = "Milliseconds"
)

// Metric is one value in a record.
type Metric struct {
	Name  string
	Unit  string
	Value float64
}

// Record is one EMF document.
type Record struct {
	Namespace string
	// Dimensions are published both as one dimension set and, so that
	// alarms can watch the plain metric, as the empty set.
	Dimensions map[string]string
	Metrics    []Metric
	// DimensionedOnly publishes only the dimension set, not the empty
	// one: for a second record of the same metrics under other
	// dimensions, which must not count twice in the plain metric.
	DimensionedOnly bool
	// Properties are extra members that are logged but not metrics.
	Properties map[string]any
	Time       time.Time
}

type metricDefinition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit,omitempty"`
}

type directive struct {
	Namespace  string             `json:"Namespace"`
	Dimensions [][]string         `json:"Dimensions"`
	Metrics    []metricDefinition `json:"Metrics"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

var reserved = map[string]bool{"_aws": true}

// Marshal renders r as one EMF JSON document (without a trailing newline).
func Marshal(r Record) ([]byte, error) {
	if r.Namespace == "" {
		return nil, errors.New("emf: namespace is required")
	}
	if len(r.Metrics) == 0 {
		return nil, errors.New("emf: at least one metric is required")
	}
	if len(r.Dimensions) > 30 {
		return nil, errors.New("emf: at most 30 dimensions")
	}
	root := map[string]any{}
	for k, v := range r.Properties {
		if reserved[k] {
			return nil, errors.New("emf: property name _aws is reserved")
		}
		root[k] = v
	}
	keys := make([]string, 0, len(r.Dimensions))
	for k, v := range r.Dimensions {
		if reserved[k] {
			return nil, errors.New("emf: dimension name _aws is reserved")
		}
		keys = append(keys, k)
		root[k] = v
	}
	sort.Strings(keys)
	dims := [][]string{{}}
	if r.DimensionedOnly && len(keys) > 0 {
		dims = nil
	}
	if len(keys) > 0 {
		dims = append(dims, keys)
	}
	d := directive{Namespace: r.Namespace, Dimensions: dims}
	seen := map[string]bool{}
	for _, m := range r.Metrics {
		if m.Name == "" || reserved[m.Name] || seen[m.Name] {
			return nil, errors.New("emf: metric names must be non-empty, unique and not _aws")
		}
		if _, clash := r.Dimensions[m.Name]; clash {
			return nil, errors.New("emf: metric " + m.Name + " clashes with a dimension")
		}
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			return nil, errors.New("emf: metric " + m.Name + " is not a finite number")
		}
		seen[m.Name] = true
		d.Metrics = append(d.Metrics, metricDefinition{Name: m.Name, Unit: m.Unit})
		root[m.Name] = m.Value
	}
	ts := r.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	root["_aws"] = metadata{Timestamp: ts.UnixMilli(), CloudWatchMetrics: []directive{d}}
	return json.Marshal(root)
}

// Writer serializes records to an io.Writer, one per line.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter returns a Writer on w (os.Stdout in a Lambda).
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write emits r.
func (w *Writer) Write(r Record) error {
	b, err := Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.w.Write(b)
	return err
}

// ParseDimensions reads "Name=Value,Name2=Value2" (the METRIC_DIMENSIONS
// environment variable of the Lambdas): the platform sets
// EnvironmentSuffix=<suffix> so its alarms see this platform's metrics.
func ParseDimensions(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("METRIC_DIMENSIONS: %q is not Name=Value", part)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

package emf

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestMarshal(t *testing.T) {
	ts := time.UnixMilli(1700000000123)
	tests := []struct {
		name    string
		rec     Record
		wantErr string
		check   func(t *testing.T, doc map[string]any)
	}{
		{
			name: "metrics with a dimension",
			rec: Record{
				Namespace:  Namespace,
				Dimensions: map[string]string{"CheckType": "post_migration"},
				Metrics: []Metric{
					{Name: "RowsCompared", Unit: UnitCount, Value: 1000},
					{Name: "DurationMs", Unit: UnitMilliseconds, Value: 12.5},
				},
				Properties: map[string]any{"complete": true},
				Time:       ts,
			},
			check: func(t *testing.T, doc map[string]any) {
				aws := doc["_aws"].(map[string]any)
				if aws["Timestamp"].(float64) != 1700000000123 {
					t.Errorf("Timestamp = %v", aws["Timestamp"])
				}
				d := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
				if d["Namespace"] != "PaymentMigration" {
					t.Errorf("Namespace = %v", d["Namespace"])
				}
				dims := d["Dimensions"].([]any)
				if len(dims) != 2 || len(dims[0].([]any)) != 0 || dims[1].([]any)[0] != "CheckType" {
					t.Errorf("Dimensions = %v", dims)
				}
				if doc["RowsCompared"].(float64) != 1000 || doc["DurationMs"].(float64) != 12.5 {
					t.Errorf("values = %v %v", doc["RowsCompared"], doc["DurationMs"])
				}
				if doc["CheckType"] != "post_migration" || doc["complete"] != true {
					t.Errorf("members = %v", doc)
				}
				ms := d["Metrics"].([]any)
				if len(ms) != 2 || ms[0].(map[string]any)["Unit"] != "Count" {
					t.Errorf("Metrics = %v", ms)
				}
			},
		},
		{
			name: "no dimensions gives the empty set only",
			rec:  Record{Namespace: Namespace, Metrics: []Metric{{Name: "RollbackRequested", Unit: UnitCount, Value: 1}}, Time: ts},
			check: func(t *testing.T, doc map[string]any) {
				d := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
				if dims := d["Dimensions"].([]any); len(dims) != 1 || len(dims[0].([]any)) != 0 {
					t.Errorf("Dimensions = %v", dims)
				}
			},
		},
		{name: "no namespace", rec: Record{Metrics: []Metric{{Name: "A", Value: 1}}}, wantErr: "namespace"},
		{name: "no metrics", rec: Record{Namespace: "N"}, wantErr: "at least one metric"},
		{name: "duplicate metric", rec: Record{Namespace: "N", Metrics: []Metric{{Name: "A"}, {Name: "A"}}}, wantErr: "unique"},
		{name: "NaN", rec: Record{Namespace: "N", Metrics: []Metric{{Name: "A", Value: math.NaN()}}}, wantErr: "finite"},
		{name: "metric clashes with dimension", rec: Record{Namespace: "N", Dimensions: map[string]string{"A": "x"}, Metrics: []Metric{{Name: "A"}}}, wantErr: "clashes"},
		{name: "reserved property", rec: Record{Namespace: "N", Metrics: []Metric{{Name: "A"}}, Properties: map[string]any{"_aws": 1}}, wantErr: "reserved"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Marshal(tc.rec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			tc.check(t, doc)
		})
	}
}

func TestWriterOneLinePerRecord(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := 0; i < 3; i++ {
		if err := w.Write(Record{Namespace: Namespace, Metrics: []Metric{{Name: "X", Value: float64(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3", len(lines))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("line is not JSON: %s", l)
		}
	}
}

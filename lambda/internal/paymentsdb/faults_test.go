package paymentsdb

import (
	"slices"
	"testing"
)

func TestLeaks(t *testing.T) {
	amount := Amount(42)
	for _, tc := range []struct {
		text string
		want []string
	}{
		{`{"time":"2026-11-25T21:17:` + amount + `6399681Z","msg":"diff step"}`, nil},
		{`Duration: 3` + amount + ` ms`, nil},
		{`{"amount":"` + amount + `"}`, []string{amount}},
		{`amount ` + amount, []string{amount}},
		{`key=secret-k`, []string{"secret-k"}},
		{CustomerName(4999) + " and 424242", []string{CustomerName(4999), "424242"}},
	} {
		if got := Leaks(tc.text, "secret-k"); !slices.Equal(got, tc.want) {
			t.Errorf("Leaks(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

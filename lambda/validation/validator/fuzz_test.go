package validator

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/acme-payments/xpaymentplatform/lambda/internal/privacy"
)

// FuzzPrepare feeds arbitrary requests and tokens to the request checks:
// they must answer (a state or an error), never panic, and never accept a
// table name that is not a plain identifier.
func FuzzPrepare(f *testing.F) {
	k, _ := privacy.NewKeyer([]byte("fuzz-secret-0123456789abcdef"))
	v := &Validator{cfg: Config{Keyer: k}}
	if err := v.cfg.setDefaults(); err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	tok, _ := sealState(k, &runState{Version: stateVersion, CheckType: PostMigration, Tables: []string{"payments"}, ConfigFP: v.configFingerprint(), CreatedUnix: now.Unix()})
	for _, s := range []string{
		`{"action":"validate","checkType":"post_migration"}`,
		`{"check_type":"pre-migration","tables":["payments","payments"]}`,
		`{"resumeToken":"` + tok + `"}`,
		`{"resumeToken":"v1.AAAA"}`,
		`{"checkType":"continuous","tables":["a\"b"]}`,
		`{"tables":[""]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var req Request
		if json.Unmarshal([]byte(in), &req) != nil {
			return
		}
		st, err := v.prepare(req, now)
		if err != nil {
			return
		}
		if st.CheckType != PreMigration && st.CheckType != PostMigration && st.CheckType != Continuous {
			t.Fatalf("accepted check type %q", st.CheckType)
		}
		for _, tb := range st.Tables {
			if !identRE.MatchString(tb) {
				t.Fatalf("accepted table %q", tb)
			}
		}
		_ = v.plan(st)
	})
}

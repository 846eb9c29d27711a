package rotation_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/acme-payments/xpaymentplatform/lambda/dmsuser/rotation"
	"github.com/acme-payments/xpaymentplatform/lambda/internal/dataapitest"
)

var scramRE = regexp.MustCompile(`^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$`)

// checkNoPasswordInSQL fails when a statement the Data API received holds
// a clear-text password.
func checkNoPasswordInSQL(t *testing.T, h *harness, passwords ...string) {
	t.Helper()
	for _, s := range h.statements() {
		for _, pw := range passwords {
			if strings.Contains(s, pw) {
				t.Errorf("a statement holds the clear-text password: %.40s...", s)
			}
		}
	}
}

func TestFirstRotationCreatesTheUserAndTheValue(t *testing.T) {
	h := newHarness(t)
	if _, _, ok := h.sm.Value(rotation.StageCurrent); ok {
		t.Fatal("the secret must start empty")
	}
	if err := h.rotate(token(1)); err != nil {
		t.Fatalf("first rotation: %v", err)
	}
	v, id := h.secret(rotation.StageCurrent)
	if id != token(1) {
		t.Errorf("AWSCURRENT is on %s, want %s", id, token(1))
	}
	var keys []string
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"dbname", "engine", "host", "password", "port", "username"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if v["engine"] != "postgres" || v["host"] != h.host || v["username"] != h.user || v["dbname"] != h.db {
		t.Errorf("value %v", redacted(v))
	}
	if port, ok := v["port"].(float64); !ok || int(port) != h.port {
		t.Errorf("port %#v must be the JSON number %d", v["port"], h.port)
	}
	pw, _ := v["password"].(string)
	if err := rotation.CheckPassword(pw, rotation.DefaultPasswordLength); err != nil {
		t.Errorf("password: %v", err)
	}
	if err := h.login(h.user, pw); err != nil {
		t.Fatalf("the new user cannot log in: %v", err)
	}

	var canLogin, member, connect, create bool
	var rolpassword string
	h.query(`SELECT a.rolcanlogin, a.rolpassword, pg_has_role(a.rolname, 'rds_superuser', 'member'),
		has_database_privilege(a.rolname, current_database(), 'CONNECT'), has_database_privilege(a.rolname, current_database(), 'CREATE')
		FROM pg_authid a WHERE a.rolname = $1`, []any{h.user}, &canLogin, &rolpassword, &member, &connect, &create)
	if !canLogin || !member || !connect || !create {
		t.Errorf("role: login %v, rds_superuser %v, CONNECT %v, CREATE %v", canLogin, member, connect, create)
	}
	if !scramRE.MatchString(rolpassword) {
		t.Errorf("stored password is not a SCRAM-SHA-256 verifier: %.20s...", rolpassword)
	}
	checkNoPasswordInSQL(t, h, pw)
	if n := h.sm.Count("GetRandomPassword"); n != 1 {
		t.Errorf("GetRandomPassword called %d times", n)
	}
}

func redacted(v map[string]any) map[string]any {
	out := map[string]any{}
	for k, x := range v {
		out[k] = x
	}
	if _, ok := out["password"]; ok {
		out["password"] = "***"
	}
	return out
}

func TestSecondRotationChangesThePassword(t *testing.T) {
	h := newHarness(t)
	if err := h.rotate(token(1)); err != nil {
		t.Fatal(err)
	}
	first, _ := h.secret(rotation.StageCurrent)
	if err := h.rotate(token(2)); err != nil {
		t.Fatalf("second rotation: %v", err)
	}
	second, id := h.secret(rotation.StageCurrent)
	previous, pid := h.secret(rotation.StagePrevious)
	if id != token(2) || pid != token(1) {
		t.Errorf("AWSCURRENT on %s, AWSPREVIOUS on %s", id, pid)
	}
	if previous["password"] != first["password"] {
		t.Error("AWSPREVIOUS must hold the first value")
	}
	if second["password"] == first["password"] {
		t.Fatal("the password did not change")
	}
	for _, k := range []string{"username", "host", "port", "dbname", "engine"} {
		if second[k] != first[k] {
			t.Errorf("%s changed from %v to %v", k, first[k], second[k])
		}
	}
	if err := h.login(h.user, first["password"].(string)); !isAuthFailure(err) {
		t.Errorf("the old password must stop working, got %v", err)
	}
	if err := h.login(h.user, second["password"].(string)); err != nil {
		t.Errorf("the new password must work: %v", err)
	}
	stmts := h.statements()
	if countPrefix(stmts, "CREATE ROLE") != 1 || countPrefix(stmts, "ALTER ROLE") != 1 {
		t.Errorf("want one CREATE ROLE (first rotation) and one ALTER ROLE (second): %d, %d",
			countPrefix(stmts, "CREATE ROLE"), countPrefix(stmts, "ALTER ROLE"))
	}
	checkNoPasswordInSQL(t, h, first["password"].(string), second["password"].(string))
}

// Secrets Manager retries a rotation whose step failed; every step must be
// harmless to run again.
func TestEveryStepIsIdempotent(t *testing.T) {
	for _, second := range []bool{false, true} {
		name := "first rotation"
		if second {
			name = "later rotation"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			tok := token(1)
			if second {
				if err := h.rotate(token(1)); err != nil {
					t.Fatal(err)
				}
				tok = token(2)
			}
			if err := h.sm.StartRotation(tok); err != nil {
				t.Fatal(err)
			}
			var pending map[string]any
			for _, s := range steps {
				for run := 1; run <= 2; run++ {
					before := len(h.statements())
					if err := h.step(s, tok); err != nil {
						t.Fatalf("%s run %d: %v", s, run, err)
					}
					stmts := h.statements()[before:]
					switch s {
					case rotation.StepCreate:
						v, id := h.secret(rotation.StagePending)
						if id != tok {
							t.Fatalf("AWSPENDING on %s", id)
						}
						if run == 1 {
							pending = v
						} else if v["password"] != pending["password"] {
							t.Fatal("a second createSecret changed the pending value")
						}
					case rotation.StepSet:
						if run == 2 && (countPrefix(stmts, "CREATE ROLE")+countPrefix(stmts, "ALTER ROLE")) != 0 {
							t.Errorf("a second setSecret set the password again: %d statements", len(stmts))
						}
						if err := h.login(h.user, pending["password"].(string)); err != nil {
							t.Fatalf("after setSecret run %d: %v", run, err)
						}
					case rotation.StepFinish:
						if _, id := h.secret(rotation.StageCurrent); id != tok {
							t.Fatalf("AWSCURRENT on %s after finishSecret", id)
						}
					}
				}
			}
			if n := h.sm.Count("PutSecretValue"); n != map[bool]int{false: 1, true: 2}[second] {
				t.Errorf("PutSecretValue called %d times", n)
			}
			if n := h.sm.Count("UpdateSecretVersionStage"); n != map[bool]int{false: 1, true: 2}[second] {
				t.Errorf("UpdateSecretVersionStage called %d times", n)
			}
			// Every step of a finished rotation does nothing.
			before, puts := len(h.statements()), h.sm.Count("PutSecretValue")
			for _, s := range steps {
				if err := h.step(s, tok); err != nil {
					t.Errorf("%s after the rotation: %v", s, err)
				}
			}
			if len(h.statements()) != before || h.sm.Count("PutSecretValue") != puts || h.sm.Count("UpdateSecretVersionStage") != map[bool]int{false: 1, true: 2}[second] {
				t.Error("a step of a finished rotation changed something")
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	h := newHarness(t)
	if err := h.rotate(token(1)); err != nil {
		t.Fatal(err)
	}
	if err := h.rotate(token(2)); err != nil {
		t.Fatal(err)
	}
	// token(1) is now AWSPREVIOUS only.
	if err := h.sm.StartRotation(token(3)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		secretID string
		token    string
		disable  bool
		want     string
	}{
		{"rotation disabled", secretARN, token(3), true, "not enabled for rotation"},
		{"unknown version", secretARN, "not-a-version", false, "has no stage for rotation"},
		{"previous version", secretARN, token(1), false, "is not AWSPENDING"},
		{"no token", secretARN, "", false, "needs SecretId and ClientRequestToken"},
		{"other secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-XyZaBc", token(3), false, "ResourceNotFoundException"},
	}
	for _, tc := range cases {
		for _, s := range steps {
			t.Run(tc.name+"/"+s, func(t *testing.T) {
				h.sm.SetRotationEnabled(!tc.disable)
				defer h.sm.SetRotationEnabled(true)
				before, puts, moves := len(h.statements()), h.sm.Count("PutSecretValue"), h.sm.Count("UpdateSecretVersionStage")
				err := h.r.Handle(t.Context(), rotation.Event{SecretID: tc.secretID, ClientRequestToken: tc.token, Step: s})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error = %v, want %q", err, tc.want)
				}
				if tc.want != "ResourceNotFoundException" && !errors.Is(err, rotation.ErrRefused) {
					t.Errorf("error %v is not ErrRefused", err)
				}
				if len(h.statements()) != before || h.sm.Count("PutSecretValue") != puts || h.sm.Count("UpdateSecretVersionStage") != moves {
					t.Error("a refused step changed something")
				}
			})
		}
	}
	t.Run("invalid step", func(t *testing.T) {
		err := h.r.Handle(t.Context(), rotation.Event{SecretID: secretARN, ClientRequestToken: token(3), Step: "dropUser"})
		if !errors.Is(err, rotation.ErrRefused) {
			t.Errorf("error = %v", err)
		}
	})
	// The current version's steps are no-ops; the old password is gone
	// for good (no step resurrects it).
	for _, s := range steps {
		if err := h.step(s, token(2)); err != nil {
			t.Errorf("%s of the current version: %v", s, err)
		}
	}
}

func TestCreateSecretKeepsTheUserAndTakesTheEndpointFromTheEnvironment(t *testing.T) {
	h := newHarness(t)
	other := randomRole(t, h.base, "dms_o_")
	h.sm.PutVersion("v0", `{"engine":"postgres","host":"old-cluster.example.com","port":"6543","username":"`+other+
		`","password":"Old-password-0123456789","dbname":"olddb","comment":"kept"}`, rotation.StageCurrent)
	if err := h.sm.StartRotation(token(1)); err != nil {
		t.Fatal(err)
	}
	if err := h.step(rotation.StepCreate, token(1)); err != nil {
		t.Fatal(err)
	}
	v, _ := h.secret(rotation.StagePending)
	if v["username"] != other || v["host"] != h.host || v["port"] != float64(h.port) || v["dbname"] != h.db || v["comment"] != "kept" || v["engine"] != "postgres" {
		t.Errorf("pending value %v", redacted(v))
	}
	if v["password"] == "Old-password-0123456789" {
		t.Error("the password was not renewed")
	}
}

func TestUsernameInjectionIsRefused(t *testing.T) {
	bad := []string{
		`dms"; DROP ROLE postgres; --`,
		`dms'; ALTER ROLE postgres PASSWORD 'x`,
		"dms migration", "DMS", "1dms", "dms-user", "", strings.Repeat("a", 64),
		"postgres", "rds_superuser", "rdsadmin", "pg_monitor", "public", "current_user",
	}
	for _, u := range bad {
		if err := rotation.ValidateUsername(u); err == nil {
			t.Errorf("ValidateUsername(%q) accepted it", u)
		}
	}
	for _, u := range []string{"dms_migration", "_dms", "dms2", strings.Repeat("a", 63)} {
		if err := rotation.ValidateUsername(u); err != nil {
			t.Errorf("ValidateUsername(%q): %v", u, err)
		}
	}

	h := newHarness(t)
	cfg := h.cfg
	cfg.Username = `dms"; DROP ROLE postgres; --`
	if _, err := rotation.New(cfg); err == nil || !strings.Contains(err.Error(), "DMS_USERNAME") {
		t.Errorf("New with an injected username: %v", err)
	}

	// An injected username in the current value or in the pending value is
	// refused before any statement runs.
	h.sm.PutVersion("v0", `{"engine":"postgres","host":"h","port":5432,"username":"x\"; DROP ROLE postgres; --","password":"Old-password-0123456789","dbname":"d"}`, rotation.StageCurrent)
	if err := h.sm.StartRotation(token(1)); err != nil {
		t.Fatal(err)
	}
	if err := h.step(rotation.StepCreate, token(1)); !errors.Is(err, rotation.ErrRefused) {
		t.Errorf("createSecret with an injected current username: %v", err)
	}
	h.sm.PutVersion(token(1), `{"engine":"postgres","host":"`+h.host+`","port":5432,"username":"x'); DROP ROLE postgres; --","password":"Pending-password-0123456789","dbname":"`+h.db+`"}`)
	if err := h.step(rotation.StepSet, token(1)); !errors.Is(err, rotation.ErrRefused) {
		t.Errorf("setSecret with an injected pending username: %v", err)
	}
	if n := len(h.statements()); n != 0 {
		t.Errorf("%d statements ran", n)
	}
}

func TestTestSecretFails(t *testing.T) {
	h := newHarness(t)
	if err := h.sm.StartRotation(token(1)); err != nil {
		t.Fatal(err)
	}
	for _, s := range steps[:2] {
		if err := h.step(s, token(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.step(rotation.StepTest, token(1)); err != nil {
		t.Fatalf("testSecret with the right password: %v", err)
	}
	good, _ := h.secret(rotation.StagePending)

	t.Run("wrong password", func(t *testing.T) {
		wrong := "Wrong-password-0123456789abcdef"
		b, _ := json.Marshal(map[string]any{"engine": "postgres", "host": h.host, "port": h.port, "username": h.user, "password": wrong, "dbname": h.db})
		h.sm.PutVersion(token(1), string(b))
		defer func() { b, _ := json.Marshal(good); h.sm.PutVersion(token(1), string(b)) }()
		err := h.step(rotation.StepTest, token(1))
		if err == nil || !strings.Contains(err.Error(), "password authentication failed") {
			t.Fatalf("error = %v", err)
		}
		if strings.Contains(err.Error(), wrong) {
			t.Error("the error holds the password")
		}
	})
	t.Run("without rds_superuser", func(t *testing.T) {
		c := h.adminConn(t)
		if _, err := c.Exec(t.Context(), "REVOKE rds_superuser FROM "+h.user); err != nil {
			t.Fatal(err)
		}
		err := h.step(rotation.StepTest, token(1))
		if err == nil || !strings.Contains(err.Error(), "not a member of rds_superuser") {
			t.Fatalf("error = %v", err)
		}
		// setSecret grants it again.
		if err := h.step(rotation.StepSet, token(1)); err != nil {
			t.Fatal(err)
		}
		if err := h.step(rotation.StepTest, token(1)); err != nil {
			t.Fatal(err)
		}
	})
	if err := h.step(rotation.StepFinish, token(1)); err != nil {
		t.Fatal(err)
	}
}

// A failed statement leaves what works working, and the retried step
// converges.
func TestSetSecretRecoversFromFailedStatements(t *testing.T) {
	fault := &dataapitest.Fault{Status: 400, Type: "BadRequestException", Message: "ERROR: injected failure; SQLState: 57014"}
	t.Run("first rotation", func(t *testing.T) {
		h := newHarness(t)
		h.failOn("GRANT rds_superuser", fault)
		if err := h.sm.StartRotation(token(1)); err != nil {
			t.Fatal(err)
		}
		if err := h.step(rotation.StepCreate, token(1)); err != nil {
			t.Fatal(err)
		}
		if err := h.step(rotation.StepSet, token(1)); err == nil || !strings.Contains(err.Error(), "injected failure") {
			t.Fatalf("setSecret = %v", err)
		}
		if err := h.step(rotation.StepTest, token(1)); err == nil {
			t.Fatal("testSecret must fail while the user lacks rds_superuser")
		}
		h.failOn("GRANT rds_superuser", nil)
		for _, s := range steps[1:] {
			if err := h.step(s, token(1)); err != nil {
				t.Fatalf("%s after the failure: %v", s, err)
			}
		}
	})
	t.Run("later rotation", func(t *testing.T) {
		h := newHarness(t)
		if err := h.rotate(token(1)); err != nil {
			t.Fatal(err)
		}
		cur, _ := h.secret(rotation.StageCurrent)
		h.failOn("GRANT CONNECT", fault)
		if err := h.sm.StartRotation(token(2)); err != nil {
			t.Fatal(err)
		}
		if err := h.step(rotation.StepCreate, token(2)); err != nil {
			t.Fatal(err)
		}
		if err := h.step(rotation.StepSet, token(2)); err == nil {
			t.Fatal("setSecret must fail")
		}
		if err := h.login(h.user, cur["password"].(string)); err != nil {
			t.Fatalf("the current password must still work after a failed setSecret: %v", err)
		}
		h.failOn("GRANT CONNECT", nil)
		for _, s := range steps[1:] {
			if err := h.step(s, token(2)); err != nil {
				t.Fatalf("%s after the failure: %v", s, err)
			}
		}
		next, _ := h.secret(rotation.StageCurrent)
		if err := h.login(h.user, next["password"].(string)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("resuming cluster", func(t *testing.T) {
		h := newHarness(t)
		var calls atomic.Int64
		h.api.Close()
		api, err := dataapitest.Start(dataapitest.Config{BaseDSN: h.base, ClusterArn: clusterARN, SecretArn: masterARN, Hook: func(sql string) *dataapitest.Fault {
			if calls.Add(1) <= 2 {
				return &dataapitest.Fault{Status: 400, Type: "DatabaseResumingException", Message: "The database is resuming"}
			}
			return h.hook(sql)
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(api.Close)
		cfg := h.cfg
		cfg.DataAPI = dataAPIClient(api.URL)
		if h.r, err = rotation.New(cfg); err != nil {
			t.Fatal(err)
		}
		if err := h.rotate(token(1)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRefusesToTakeOverASuperuser(t *testing.T) {
	h := newHarness(t)
	super := randomRole(t, h.base, "dms_s_")
	c := h.adminConn(t)
	if _, err := c.Exec(t.Context(), "CREATE ROLE "+super+" SUPERUSER LOGIN PASSWORD 'Super-0123456789abcdef'"); err != nil {
		t.Fatal(err)
	}
	cfg := h.cfg
	cfg.Username = super
	r, err := rotation.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	if err := h.rotate(token(1)); !errors.Is(err, rotation.ErrRefused) || !strings.Contains(err.Error(), "superuser") {
		t.Fatalf("rotation of a superuser: %v", err)
	}
	if countPrefix(h.statements(), "ALTER ROLE") != 0 {
		t.Error("the superuser's password was changed")
	}
	if err := h.login(super, "Super-0123456789abcdef"); err != nil {
		t.Errorf("the superuser's password must be untouched: %v", err)
	}
}

func TestPasswordLength(t *testing.T) {
	h := newHarness(t, func(c *rotation.Config) { c.PasswordLength = 48 })
	if err := h.rotate(token(1)); err != nil {
		t.Fatal(err)
	}
	v, _ := h.secret(rotation.StageCurrent)
	if pw := v["password"].(string); len(pw) != 48 {
		t.Errorf("password length %d", len(pw))
	}
	for _, n := range []int{8, 15, 129} {
		cfg := h.cfg
		cfg.PasswordLength = n
		if _, err := rotation.New(cfg); err == nil {
			t.Errorf("PasswordLength %d accepted", n)
		}
	}
}

package fn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/acme-payments/xpaymentplatform/internal/contract"

	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/crossplane/function-sdk-go/resource"
)

// The decisions every later tier and the status read, made once per
// request before the tiers run: where the cutover is and may go, and what
// the migration validation said.

func summarize(names []string, most int) string {
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// FailbackTerm is one delay between the AWS side failing and resolvers
// answering with the old system, with the documented value it rests on.
type FailbackTerm struct {
	Name    string
	Seconds int
	Source  string
}

// HealthCheckTimeoutSeconds is how long a Route 53 HTTPS check may take:
// "Route 53 must be able to establish a TCP connection with the endpoint
// within four seconds ... the endpoint must respond with an HTTP status code
// of 2xx or 3xx within two seconds after connecting" (Route 53 developer
// guide, "How Route 53 determines whether a health check is healthy").
const HealthCheckTimeoutSeconds = 4 + 2

// FailbackTerms are the documented delays. Either child of the calculated
// check turns it unhealthy, so detection takes the slower of the two paths:
//   - the ALB's endpoint check: FailureThreshold consecutive failed checks,
//     RequestInterval apart, the last one timing out;
//   - a guard alarm: EvaluationPeriods breaching periods, and "for any period
//     of one minute or longer, an alarm is evaluated every minute"
//     (CloudWatch user guide, "Alarm evaluation"), so up to one more minute
//     before the alarm sees the last of them;
//
// then the TTL the last answer is cached for.
func FailbackTerms(ttl int) (detection []FailbackTerm, cached FailbackTerm) {
	return []FailbackTerm{
		{Name: "ALB health check", Seconds: HealthCheckIntervalSeconds*HealthCheckFailureThreshold + HealthCheckTimeoutSeconds,
			Source: fmt.Sprintf("%d failed checks %d s apart, the last one timing out after %d s (Route 53)",
				HealthCheckFailureThreshold, HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds)},
		{Name: "guard alarms", Seconds: GuardAlarmPeriodSeconds*GuardAlarmEvaluationPeriods + 60,
			Source: fmt.Sprintf("%d breaching periods of %d s, evaluated every minute (CloudWatch)", GuardAlarmEvaluationPeriods, GuardAlarmPeriodSeconds)},
	}, FailbackTerm{Name: "cached answers", Seconds: ttl, Source: "the weighted records' TTL"}
}

// FailbackNotCovered are the delays AWS documents no figure for: the bound
// does not include them.
var FailbackNotCovered = []string{
	"CloudWatch ingestion of the ALB's and the rollback trigger's data points",
	"Route 53's evaluation of the alarm-based and calculated health checks",
	"the propagation of a health change to Route 53's DNS answers",
	"resolvers and clients that keep answers past the TTL",
}

// FailbackBoundSeconds is the worst case from the AWS side failing to
// resolvers answering with the old system: the slower detection path plus
// the TTL (FailbackTerms), within 5 minutes (TestFailbackBound).
func FailbackBoundSeconds(ttl int) int {
	detection, cached := FailbackTerms(ttl)
	worst := 0
	for _, t := range detection {
		worst = max(worst, t.Seconds)
	}
	return worst + cached.Seconds
}

// Weights returns the Route 53 weights (old, new) of a step; a rollback
// sends everything to the old system whatever the step. The old record keeps
// weight 0 at step 100 so failback still has somewhere to go.
func Weights(step v1alpha1.CutoverStep, rollback bool) (oldW, newW int) {
	if rollback {
		return 100, 0
	}
	return 100 - int(step), int(step)
}

// Cutover is the step decision of one reconcile.
type Cutover struct {
	Requested, Current, Effective v1alpha1.CutoverStep
	// Blocked says why a move forward is held back ("" when it is not).
	Blocked string
	// NextBlocked says why the next step could not be taken now.
	NextBlocked string
}

// currentStep is the step in force, read from the observed new record.
func (p *Plan) currentStep() v1alpha1.CutoverStep {
	n := v1alpha1.CutoverStep(p.View.Routing.StepInForce)
	if !slices.Contains(v1alpha1.CutoverSteps, n) {
		return 0
	}
	return n
}

// forwardBlocker says why traffic may not move further onto AWS now.
func (p *Plan) forwardBlocker() string {
	var unready []string
	for _, n := range p.dataTierNames() {
		if o, ok := p.Observed[n]; !ok || !o.Ready {
			unready = append(unready, string(n))
		}
	}
	if len(unready) > 0 {
		return "the data tier is not Ready (" + summarize(unready, 5) + ")"
	}
	if p.Spec.MigrationEnabled() {
		if s := p.View.Migration.TaskStatus; s != "running" {
			if s == "" {
				s = "not created"
			}
			return "the DMS task is not replicating (status " + s + "): traffic moves only while changes flow to Aurora"
		}
	}
	if b := p.validationBlocker(); b != "" {
		return b
	}
	return ""
}

// validationBlocker: with the validator wired in, traffic moves forward only
// after the validation for the requested step has passed on complete data.
func (p *Plan) validationBlocker() string {
	v := p.Validation
	if v == nil || v.Success {
		return ""
	}
	return "the migration validation has not passed (" + v.Message + ")"
}

// dataTierNames are the resources that must be Ready before traffic moves.
func (p *Plan) dataTierNames() []resource.Name {
	out := []resource.Name{ResAurora}
	for _, az := range p.AZs[:p.Spec.Database.Instances] {
		out = append(out, AuroraInstanceName(az))
	}
	return out
}

// decide the step: moving back and rolling back are always allowed; moving
// forward is one step at a time and only while the data tier is Ready and
// DMS replicates; otherwise the step stays where it is. NewPlan decides once
// per request; the tiers and the status read Plan.Cutover.
func (p *Plan) decide() Cutover {
	c := Cutover{Requested: p.Spec.Cutover.Step, Current: p.currentStep()}
	c.Effective = c.Requested
	blocker := p.forwardBlocker()
	idx := slices.Index(v1alpha1.CutoverSteps, c.Current)
	if idx+1 < len(v1alpha1.CutoverSteps) {
		c.NextBlocked = blocker
	} else {
		c.NextBlocked = "the cutover is complete (step 100)"
	}
	if c.Requested <= c.Current {
		return c
	}
	next := v1alpha1.CutoverSteps[idx+1]
	switch {
	case p.Spec.Cutover.Rollback:
		c.Effective, c.Blocked = c.Current, fmt.Sprintf("step %d is held at %d while spec.cutover.rollback is true", c.Requested, c.Current)
	case c.Requested > next:
		c.Effective, c.Blocked = c.Current, fmt.Sprintf("steps are taken in order: from %d the next step is %d, not %d", c.Current, next, c.Requested)
	case blocker != "":
		c.Effective, c.Blocked = c.Current, fmt.Sprintf("step %d is held at %d: %s", c.Requested, c.Current, blocker)
	}
	return c
}

// Failback timing: how fast Route 53 turns the AWS side unhealthy.
const (
	HealthCheckIntervalSeconds  = 10
	HealthCheckFailureThreshold = 3
	GuardAlarmPeriodSeconds     = 60
	GuardAlarmEvaluationPeriods = 2
)

// ValidationCheckType is the check that gates moving to a step: before any
// traffic moves the data must match (pre_migration); afterwards the
// migrated data keeps matching (post_migration).
func ValidationCheckType(step v1alpha1.CutoverStep) string {
	if step <= 10 {
		return contract.CheckPreMigration
	}
	return contract.CheckPostMigration
}

// validation reads the observed validation run: nil when the claim has no
// validator or it has not run for the requested step yet.
func (p *Plan) validation() *v1alpha1.ValidationStatus {
	if !p.Spec.Lambdas.ValidatorEnabled() || p.Spec.Cutover == nil || !p.Spec.MigrationEnabled() {
		return nil
	}
	step := p.Spec.Cutover.Step
	vs := &v1alpha1.ValidationStatus{CheckType: ValidationCheckType(step), ForStep: int(step)}
	chain := p.Chain
	last := chain[len(chain)-1]
	if last.Result == nil {
		if len(chain) == 1 {
			vs.Message = fmt.Sprintf("the %s validation for step %d (%s) has not run yet", vs.CheckType, step, last.Name)
		} else {
			prev := chain[len(chain)-2].Result
			vs.RowsCompared, vs.Mismatches = prev.RowsCompared, prev.Mismatches
			vs.Message = fmt.Sprintf("the validation is resuming (invocation %d, %d rows compared so far)", len(chain), prev.RowsCompared)
		}
		return vs
	}
	r := last.Result
	// A result counts only for what was asked: the validator echoes the
	// step and the check type it ran.
	if r.Step == nil || *r.Step != int(step) || r.CheckType != vs.CheckType {
		got := "no step"
		if r.Step != nil {
			got = fmt.Sprintf("step %d", *r.Step)
		}
		vs.Message = fmt.Sprintf("the validator answered for %s, %s check, not step %d's %s check: ignored", got, r.CheckType, step, vs.CheckType)
		return vs
	}
	vs.Success, vs.RowsCompared, vs.Mismatches = r.Success, r.RowsCompared, r.Mismatches
	switch {
	case r.Error != "":
		// A run stopped by an error is a failure with the validator's text,
		// resume token or not.
		vs.Success, vs.Message = false, "the validator failed: "+r.Error
	case r.ResumeToken != "":
		vs.Success, vs.Message = false, fmt.Sprintf("the validation stopped at its deadline after %d rows (invocation %d of at most %d): the next one resumes it",
			r.RowsCompared, len(chain), MaxValidationInvocations)
	case r.Success:
		calls := "1 invocation"
		if len(chain) > 1 {
			calls = fmt.Sprintf("%d invocations", len(chain))
		}
		vs.Message = fmt.Sprintf("%s passed: %d rows compared, no mismatch (%s)", r.CheckType, r.RowsCompared, calls)
	default:
		vs.Message = fmt.Sprintf("%s failed: %d mismatches in %d rows compared", r.CheckType, r.Mismatches, r.RowsCompared)
	}
	return vs
}

// MaxValidationInvocations bounds a resumed validation: at 300 s each, a
// day of comparing.
const MaxValidationInvocations = 288

// ValidationLink is one invocation of a validation run: its name, the
// resume token it continues (empty for the first) and its result once
// observed.
type ValidationLink struct {
	Name        resource.Name
	ResumeToken string
	Result      *contract.ValidationResult
}

// validationChain is the requested step's validation, attempt
// spec.cutover.validationAttempt: the first invocation, then one per resume
// token the previous returned (a 500 GB comparison does not fit in one
// Lambda call), up to the first without a result, or one that ended, or
// MaxValidationInvocations. A result that cannot be read ends the chain.
func (p *Plan) validationChain() []ValidationLink {
	base := p.ValidationRunName()
	chain := []ValidationLink{{Name: base}}
	for {
		l := &chain[len(chain)-1]
		raw, ok := p.View.Lambdas.Runs[l.Name]
		if !ok || raw == "" {
			return chain
		}
		var r contract.ValidationResult
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			r = contract.ValidationResult{Error: "the validation returned no readable result", CheckType: ValidationCheckType(p.Spec.Cutover.Step)}
			step := int(p.Spec.Cutover.Step)
			r.Step = &step
		}
		l.Result = &r
		if r.ResumeToken == "" || r.Error != "" || len(chain) == MaxValidationInvocations {
			return chain
		}
		chain = append(chain, ValidationLink{Name: resource.Name(fmt.Sprintf("%s-%d", base, len(chain)+1)), ResumeToken: r.ResumeToken})
	}
}

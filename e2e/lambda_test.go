//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// lambdaDouble answers the simulator's Lambda invocations in place of the
// platform's Lambdas: the validator answers as lambda/validation does for a
// clean run (its real behaviour is tested under the Lambda runtime
// emulator on PostgreSQL, make test-lambda); any other function fails as
// an unknown function would.
type lambdaDouble struct{}

func (lambdaDouble) Invoke(_ context.Context, function, _ string, payload []byte) ([]byte, error) {
	if !strings.HasPrefix(function, "payment-validation-") {
		return nil, fmt.Errorf("ResourceNotFoundException: Function not found: %s", function)
	}
	var req struct {
		Action    string `json:"action"`
		CheckType string `json:"checkType"`
		Step      *int   `json:"step"`
	}
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, err
	}
	// It echoes the step and check type, as lambda/validation does.
	return json.Marshal(map[string]any{
		"success": true, "checkType": req.CheckType, "step": req.Step, "rowsCompared": 50000, "mismatches": 0,
	})
}

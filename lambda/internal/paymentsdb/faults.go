package paymentsdb

import (
	"fmt"
	"regexp"
)

// Fault is one change made to a copy of a seeded database, and the
// difference the validator must report for it.
type Fault struct {
	SQL   string
	Table string
	Key   []string
	Kind  string // missing_in_target, extra_in_target or changed
}

// ExtraCustomerName is the name of the customer StandardFaults adds.
const ExtraCustomerName = "Zed Sensitive-Name"

// StandardFaults are the faults the tests inject into the target:
//
//	payments:     payment 17 deleted (its 2 transactions become orphans), payment 42's amount changed
//	customers:    customer 999999 added, customer 4999 renamed
//	audit_log:    row 77's created_at set to NULL
//	transactions: an orphan added (unknown payment and customer), (payment 5, seq 2)'s
//	              amount set to 0, (payment 300, seq 1) deleted
//
// Expected verdicts: 8 differing rows; row counts payments 20000/19999 and
// customers 5000/5001; 3 orphaned transactions (3 without payment, 1
// without customer); 1 invalid amount in transactions; 1 NULL created_at
// in audit_log.
func StandardFaults() []Fault {
	return []Fault{
		{SQL: fmt.Sprintf("DELETE FROM payments WHERE id = '%s'", PaymentID(17)),
			Table: "payments", Key: []string{PaymentID(17)}, Kind: "missing_in_target"},
		{SQL: fmt.Sprintf("UPDATE payments SET amount = 98765.43 WHERE id = '%s'", PaymentID(42)),
			Table: "payments", Key: []string{PaymentID(42)}, Kind: "changed"},
		{SQL: fmt.Sprintf("INSERT INTO customers VALUES (999999, '%s', 'zed@example.test', now())", ExtraCustomerName),
			Table: "customers", Key: []string{"999999"}, Kind: "extra_in_target"},
		{SQL: "UPDATE audit_log SET created_at = NULL WHERE id = 77",
			Table: "audit_log", Key: []string{"77"}, Kind: "changed"},
		{SQL: fmt.Sprintf("INSERT INTO transactions VALUES ('%s', 1, 424242, 55.55, 'capture', now())", PaymentID(1_000_000_000)),
			Table: "transactions", Key: []string{PaymentID(1_000_000_000), "1"}, Kind: "extra_in_target"},
		{SQL: fmt.Sprintf("UPDATE transactions SET amount = 0 WHERE payment_id = '%s' AND seq = 2", PaymentID(5)),
			Table: "transactions", Key: []string{PaymentID(5), "2"}, Kind: "changed"},
		{SQL: fmt.Sprintf("DELETE FROM transactions WHERE payment_id = '%s' AND seq = 1", PaymentID(300)),
			Table: "transactions", Key: []string{PaymentID(300), "1"}, Kind: "missing_in_target"},
		{SQL: "UPDATE customers SET full_name = 'Changed Name' WHERE id = 4999",
			Table: "customers", Key: []string{"4999"}, Kind: "changed"},
	}
}

// SensitiveValues are values of the rows StandardFaults touches (card
// numbers, names, amounts) and their keys in clear: none may appear in the
// validator's output or logs.
func SensitiveValues() []string {
	return []string{
		CardNumber(17), CardNumber(42), Amount(42), "98765.43",
		CustomerName(4999), ExtraCustomerName, "Changed Name", "55.55",
		PaymentID(17), PaymentID(42), PaymentID(300), PaymentID(5),
		PaymentID(1_000_000_000), "999999", "424242",
	}
}

// StandardSizes are the sizes the tests seed.
var StandardSizes = Sizes{Customers: 5000, Payments: 20000, AuditLog: 30000}

// StandardRows is the number of rows StandardSizes seeds.
const StandardRows = 5000 + 20000 + 40000 + 30000

// Leaks returns the values of SensitiveValues (and extra) that text contains
// as whole values: not inside a longer number, so a log timestamp such as
// "21:17:16.546Z" does not count as the amount "16.54".
func Leaks(text string, extra ...string) []string {
	var found []string
	for _, v := range append(SensitiveValues(), extra...) {
		re := regexp.MustCompile(`(^|[^0-9.])` + regexp.QuoteMeta(v) + `($|[^0-9])`)
		if re.MatchString(text) {
			found = append(found, v)
		}
	}
	return found
}

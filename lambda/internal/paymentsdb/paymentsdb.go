// Package paymentsdb creates and fills the payments schema used by the
// validator's tests and benchmarks. Data are generated inside PostgreSQL
// with generate_series from deterministic formulas, so that two databases
// seeded with the same sizes are identical, and so that tests can compute in
// Go the keys and the (fake, but card-like) sensitive values of any row.
package paymentsdb

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// Execer is satisfied by *pgx.Conn and *pgxpool.Pool.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Tables of the schema, in the validator's default order.
var Tables = []string{"payments", "transactions", "customers", "audit_log"}

// DDL creates the schema without primary keys (added after loading, which is
// faster) and without foreign keys (a migrated copy rarely has them enforced,
// and the validator must find orphans itself).
const DDL = `
CREATE TABLE customers (
  id         bigint NOT NULL,
  full_name  text NOT NULL,
  email      text NOT NULL,
  created_at timestamptz
);
CREATE TABLE payments (
  id          uuid NOT NULL,
  customer_id bigint NOT NULL,
  amount      numeric(12,2),
  currency    char(3) NOT NULL,
  card_number text NOT NULL,
  status      text NOT NULL,
  created_at  timestamptz
);
CREATE TABLE transactions (
  payment_id  uuid NOT NULL,
  seq         integer NOT NULL,
  customer_id bigint,
  amount      numeric(12,2),
  kind        text NOT NULL,
  created_at  timestamptz
);
CREATE TABLE audit_log (
  id         bigint NOT NULL,
  actor      text NOT NULL,
  action     text NOT NULL,
  details    jsonb,
  created_at timestamptz
);
`

// Keys adds the primary keys.
const Keys = `
ALTER TABLE customers ADD PRIMARY KEY (id);
ALTER TABLE payments ADD PRIMARY KEY (id);
ALTER TABLE transactions ADD PRIMARY KEY (payment_id, seq);
ALTER TABLE audit_log ADD PRIMARY KEY (id);
`

// Sizes of a seeded database; transactions get two rows per payment.
type Sizes struct {
	Customers, Payments, AuditLog int64
}

// Seed creates the schema and fills it. The database must be empty.
func Seed(ctx context.Context, db Execer, s Sizes) error {
	if s.Customers < 1 {
		return fmt.Errorf("paymentsdb: at least one customer is required")
	}
	stmts := []string{
		DDL,
		fmt.Sprintf(`INSERT INTO customers
SELECT i, 'Customer ' || i || ' ' || substr(md5('name-' || i), 1, 8), 'customer' || i || '@example.test',
       timestamptz '2024-01-01 00:00:00+00' + i * interval '37 seconds'
FROM generate_series(1::bigint, %d) i`, s.Customers),
		fmt.Sprintf(`INSERT INTO payments
SELECT md5('payment-' || i)::uuid, 1 + (i * 7919) %% %d, round(1 + ((i * 37) %% 99999) / 100.0, 2), 'EUR',
       '4' || lpad(((i * 104729) %% 1000000000000000)::text, 15, '0'),
       CASE i %% 10 WHEN 0 THEN 'refunded' WHEN 1 THEN 'pending' ELSE 'settled' END,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '61 seconds'
FROM generate_series(1::bigint, %d) i`, s.Customers, s.Payments),
		`INSERT INTO transactions
SELECT p.id, s, p.customer_id, p.amount, CASE s WHEN 1 THEN 'authorization' ELSE 'capture' END,
       p.created_at + s * interval '1 minute'
FROM payments p CROSS JOIN generate_series(1, 2) s`,
		fmt.Sprintf(`INSERT INTO audit_log
SELECT i, 'svc-' || (i %% 7), CASE i %% 3 WHEN 0 THEN 'create' WHEN 1 THEN 'update' ELSE 'settle' END,
       jsonb_build_object('seq', i, 'ok', i %% 2 = 0),
       timestamptz '2024-01-01 00:00:00+00' + i * interval '13 seconds'
FROM generate_series(1::bigint, %d) i`, s.AuditLog),
		Keys,
		`ANALYZE`,
	}
	for _, q := range stmts {
		if _, err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("paymentsdb: seed: %w", err)
		}
	}
	return nil
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// PaymentID is the uuid of payment i.
func PaymentID(i int64) string {
	h := md5hex(fmt.Sprintf("payment-%d", i))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// CardNumber is payment i's card number.
func CardNumber(i int64) string {
	return fmt.Sprintf("4%015d", (i*104729)%1000000000000000)
}

// CustomerName is customer i's full name.
func CustomerName(i int64) string {
	return fmt.Sprintf("Customer %d %s", i, md5hex(fmt.Sprintf("name-%d", i))[:8])
}

// Amount is payment i's amount as PostgreSQL prints numeric(12,2).
func Amount(i int64) string {
	cents := 100 + (i*37)%99999
	return fmt.Sprintf("%d.%02d", cents/100, cents%100)
}

// CustomerOf is the customer id of payment i.
func CustomerOf(i int64, s Sizes) int64 {
	return 1 + (i*7919)%s.Customers
}

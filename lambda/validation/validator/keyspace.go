package validator

import (
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
)

var (
	one       = big.NewInt(1)
	uuidSpace = new(big.Int).Lsh(one, 128)
)

// keyToInt maps an int or uuid key's text to an integer that orders like
// the key (PostgreSQL orders uuids by their 16 bytes, big-endian).
func keyToInt(kind, s string) (*big.Int, error) {
	switch kind {
	case kindInt:
		n, ok := new(big.Int).SetString(strings.TrimSpace(s), 10)
		if !ok {
			return nil, errors.New("not an integer key")
		}
		return n, nil
	case kindUUID:
		h := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
		if len(h) != 32 {
			return nil, errors.New("not a uuid key")
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, errors.New("not a uuid key")
		}
		return new(big.Int).SetBytes(b), nil
	}
	return nil, errors.New("key kind has no arithmetic")
}

func intToKey(kind string, n *big.Int) string {
	if kind != kindUUID {
		return n.String()
	}
	var b [16]byte
	n.FillBytes(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// evenPoints returns up to n-1 increasing points strictly inside (lo, hi)
// that cut [lo, hi) into n nearly equal parts. It returns nil when the range
// holds fewer than two values.
func evenPoints(lo, hi *big.Int, n int) []*big.Int {
	span := new(big.Int).Sub(hi, lo)
	if span.Cmp(big.NewInt(2)) < 0 || n < 2 {
		return nil
	}
	if span.Cmp(big.NewInt(int64(n))) < 0 {
		n = int(span.Int64())
	}
	// width = ceil(span / n)
	width := new(big.Int).Add(span, big.NewInt(int64(n-1)))
	width.Quo(width, big.NewInt(int64(n)))
	var pts []*big.Int
	for i := 1; i < n; i++ {
		p := new(big.Int).Mul(width, big.NewInt(int64(i)))
		p.Add(p, lo)
		if p.Cmp(hi) >= 0 {
			break
		}
		pts = append(pts, p)
	}
	return pts
}

// arithmeticRange gives the half-open range [lo, hi) of first-key values a
// segment can hold. tableLo/tableHi ([min, max+1) of the table, or the uuid
// space) stand in for unbounded ends. ok is false when the first key has no
// arithmetic or the range is unknown.
func arithmeticRange(kind string, seg segment, tableLo, tableHi string) (lo, hi *big.Int, ok bool) {
	var err error
	switch {
	case seg.Lo != nil:
		lo, err = keyToInt(kind, seg.Lo[0])
	case kind == kindUUID:
		lo = new(big.Int)
	case tableLo != "":
		lo, err = keyToInt(kind, tableLo)
	default:
		return nil, nil, false
	}
	if err != nil {
		return nil, nil, false
	}
	switch {
	case seg.Hi != nil:
		hi, err = keyToInt(kind, seg.Hi[0])
		if err == nil && len(seg.Hi) > 1 {
			// Rows whose first key equals the bound's may still be inside.
			hi.Add(hi, one)
		}
	case kind == kindUUID:
		hi = new(big.Int).Set(uuidSpace)
	case tableHi != "":
		hi, err = keyToInt(kind, tableHi)
	default:
		return nil, nil, false
	}
	if err != nil || hi.Cmp(lo) <= 0 {
		return nil, nil, false
	}
	return lo, hi, true
}

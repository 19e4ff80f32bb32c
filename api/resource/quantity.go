package resource

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
)

// Format says how a Quantity is printed: the suffix family it was written
// in, which String keeps so that "128Mi" does not come back as "134217728".
type Format string

// The three formats of the Kubernetes wire format.
const (
	DecimalExponent Format = "DecimalExponent" // 1e3, 12e-3
	BinarySI        Format = "BinarySI"        // 1Ki, 128Mi
	DecimalSI       Format = "DecimalSI"       // 500m, 1k, 2G
)

// Quantity is an exact amount with a preferred print format. Amounts are
// kept as a whole number of nano-units, the finest precision Kubernetes
// keeps: anything finer is rounded up on parse, so that asking for a tiny
// amount of a resource never turns into asking for none.
//
// The zero value is 0. Quantities are values: copies may share the
// underlying number, which is never changed in place.
type Quantity struct {
	nano *big.Int // nil for zero; never mutated once set
	Format
}

var (
	bigNanoPerUnit  = big.NewInt(1e9)
	bigNanoPerMilli = big.NewInt(1e6)
	bigMaxInt64     = big.NewInt(math.MaxInt64)
	bigMinInt64     = big.NewInt(math.MinInt64)
)

// NewQuantity returns value whole units printed in format.
func NewQuantity(value int64, format Format) *Quantity {
	return &Quantity{nano: normalize(new(big.Int).Mul(big.NewInt(value), bigNanoPerUnit)), Format: format}
}

// NewMilliQuantity returns milli thousandths of a unit printed in format.
func NewMilliQuantity(milli int64, format Format) *Quantity {
	return &Quantity{nano: normalize(new(big.Int).Mul(big.NewInt(milli), bigNanoPerMilli)), Format: format}
}

// MustParse is ParseQuantity for constants in code and tests; it panics on
// a malformed string.
func MustParse(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic("cannot parse '" + s + "': " + err.Error())
	}
	return q
}

func normalize(n *big.Int) *big.Int {
	if n.Sign() == 0 {
		return nil
	}
	return n
}

func (q Quantity) amount() *big.Int {
	if q.nano == nil {
		return new(big.Int)
	}
	return q.nano
}

// IsZero reports whether q is 0.
func (q Quantity) IsZero() bool { return q.nano == nil || q.nano.Sign() == 0 }

// Sign returns -1, 0 or 1.
func (q Quantity) Sign() int {
	if q.nano == nil {
		return 0
	}
	return q.nano.Sign()
}

// Cmp returns -1, 0 or 1 as q is less than, equal to or greater than y.
func (q Quantity) Cmp(y Quantity) int { return q.amount().Cmp(y.amount()) }

// CmpInt64 compares q with y whole units.
func (q Quantity) CmpInt64(y int64) int {
	return q.amount().Cmp(new(big.Int).Mul(big.NewInt(y), bigNanoPerUnit))
}

// Equal reports whether q and y are the same amount, whatever their
// formats; go-cmp uses it, so objects holding quantities compare by value.
func (q Quantity) Equal(y Quantity) bool { return q.Cmp(y) == 0 }

// DeepCopy returns q; it exists for symmetry with Kubernetes, since a
// Quantity never shares mutable state.
func (q Quantity) DeepCopy() Quantity { return q }

// Add adds y to q. A zero q takes y's format, so that summing into an
// empty total keeps the suffix family of the addends.
func (q *Quantity) Add(y Quantity) {
	if q.IsZero() {
		q.Format = y.Format
	}
	q.nano = normalize(new(big.Int).Add(q.amount(), y.amount()))
}

// Sub subtracts y from q, with Add's rule for the format.
func (q *Quantity) Sub(y Quantity) {
	if q.IsZero() {
		q.Format = y.Format
	}
	q.nano = normalize(new(big.Int).Sub(q.amount(), y.amount()))
}

// Neg negates q.
func (q *Quantity) Neg() { q.nano = normalize(new(big.Int).Neg(q.amount())) }

// Value returns q in whole units, rounded away from zero (1500m is 2) and
// clamped to the int64 range.
func (q Quantity) Value() int64 { return scaled(q.amount(), bigNanoPerUnit) }

// MilliValue returns q in thousandths of a unit, rounded away from zero and
// clamped to the int64 range.
func (q Quantity) MilliValue() int64 { return scaled(q.amount(), bigNanoPerMilli) }

// AsApproximateFloat64 returns q in units as a float64, for scoring and
// ratios where exactness does not matter.
func (q Quantity) AsApproximateFloat64() float64 {
	f, _ := new(big.Rat).SetFrac(q.amount(), bigNanoPerUnit).Float64()
	return f
}

// scaled divides n by d rounding away from zero, clamped to int64.
func scaled(n, d *big.Int) int64 {
	quo, rem := new(big.Int).QuoRem(n, d, new(big.Int))
	if rem.Sign() != 0 {
		quo.Add(quo, big.NewInt(int64(rem.Sign())))
	}
	switch {
	case quo.Cmp(bigMaxInt64) > 0:
		return math.MaxInt64
	case quo.Cmp(bigMinInt64) < 0:
		return math.MinInt64
	}
	return quo.Int64()
}

// MarshalJSON writes the canonical string form.
func (q Quantity) MarshalJSON() ([]byte, error) {
	return json.Marshal(q.String())
}

// UnmarshalJSON accepts a string ("500m") or a bare JSON number (0.5), as
// Kubernetes does; surrounding spaces are ignored and null is zero.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*q = Quantity{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	parsed, err := ParseQuantity(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	*q = parsed
	return nil
}

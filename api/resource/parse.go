package resource

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// Parse errors, worded as Kubernetes words them.
var (
	ErrFormatWrong = errors.New("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
	ErrNumeric     = errors.New("unable to parse numeric value")
	ErrSuffix      = errors.New("unable to parse quantity's suffix")
	// ErrTooLarge guards the server: a decimal quantity may not exceed
	// 10^maxIntegerDigits units, so "1e999999999" cannot allocate gigabytes.
	ErrTooLarge = errors.New("quantity is too large")
)

// maxIntegerDigits bounds decimal quantities far above any real resource
// (an exabyte has 19 digits) yet keeps every computation small.
const maxIntegerDigits = 40

// nanoExponent is the precision quantities are kept at: 10^-9.
const nanoExponent = 9

var decimalSuffixes = map[string]int{
	"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
}

var binarySuffixes = map[string]uint{
	"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60,
}

// maxBinary is the cap Kubernetes puts on binary quantities: 2^63-1 units.
var maxBinary = new(big.Int).Mul(bigMaxInt64, bigNanoPerUnit)

// ParseQuantity parses a signed decimal number followed by an optional
// decimal SI suffix (n u m k M G T P E), binary SI suffix (Ki Mi Gi Ti Pi
// Ei) or decimal exponent (e3, E-6). The suffix family becomes the
// quantity's Format. Precision beyond 1n is rounded up, away from zero;
// binary quantities are capped at 2^63-1 units, as in Kubernetes.
func ParseQuantity(s string) (Quantity, error) {
	neg, whole, frac, suffix, err := split(s)
	if err != nil {
		return Quantity{}, err
	}

	var exp10 int // decimal exponent of the suffix
	var exp2 uint // binary exponent of the suffix
	var format Format
	if e, ok := decimalSuffixes[suffix]; ok {
		exp10, format = e, DecimalSI
	} else if e, ok := binarySuffixes[suffix]; ok {
		exp2, format = e, BinarySI
	} else if len(suffix) > 1 && (suffix[0] == 'e' || suffix[0] == 'E') {
		e, err := strconv.ParseInt(suffix[1:], 10, 32)
		if err != nil {
			return Quantity{}, ErrSuffix
		}
		exp10, format = int(e), DecimalExponent
	} else {
		return Quantity{}, ErrSuffix
	}

	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return Quantity{Format: format}, nil
	}
	// The value is digits × 10^shift nano-units × 2^exp2.
	shift := exp10 - len(frac) + nanoExponent
	if exp2 == 0 && len(digits)+shift-nanoExponent > maxIntegerDigits {
		return Quantity{}, ErrTooLarge
	}
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return Quantity{}, ErrNumeric
	}
	n.Lsh(n, exp2)
	switch {
	case shift >= 0:
		n.Mul(n, pow10(shift))
	case -shift > len(digits)+20:
		// n < 10^(len(digits)+19) (2^60 < 10^19), so it rounds up to 1n.
		n.SetInt64(1)
	default:
		var rem big.Int
		n.QuoRem(n, pow10(-shift), &rem)
		if rem.Sign() != 0 {
			n.Add(n, big.NewInt(1))
		}
	}

	if format == BinarySI {
		if n.Cmp(maxBinary) > 0 {
			n.Set(maxBinary)
		}
		// A fraction of a binary suffix below 1Ki reads better in decimal.
		if frac != "" && n.Cmp(new(big.Int).Mul(big.NewInt(1024), bigNanoPerUnit)) < 0 {
			format = DecimalSI
		}
	}
	if neg {
		n.Neg(n)
	}
	return Quantity{nano: normalize(n), Format: format}, nil
}

// split cuts s into sign, whole digits, fraction digits and suffix. At
// least one digit is required (Kubernetes also accepts "." and "-" as 0).
func split(s string) (neg bool, whole, frac, suffix string, err error) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	whole = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[start:i]
	}
	if whole == "" && frac == "" {
		return false, "", "", "", ErrFormatWrong
	}
	return neg, whole, frac, s[i:], nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

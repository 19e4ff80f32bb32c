package resource

import (
	"math/big"
	"strconv"
	"strings"
)

var binaryByExponent = []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

var decimalByExponent = map[int]string{
	-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E",
}

// String returns q in Kubernetes' canonical form: no fraction digits, the
// largest suffix of q's format that loses nothing, and a sign only when
// negative. So "0.5" is "500m", "1000m" is "1", "1024Mi" is "1Gi" and
// "1.5G" is "1500M". A binary quantity below 1Ki or not a whole number of
// units is printed in decimal, and a format Kubernetes does not know prints
// as an exponent.
func (q Quantity) String() string {
	if q.IsZero() {
		return "0"
	}
	n := q.nano
	sign := ""
	if n.Sign() < 0 {
		sign = "-"
		n = new(big.Int).Neg(n)
	}

	format := q.Format
	switch format {
	case DecimalSI, DecimalExponent:
	case BinarySI:
		units, rem := new(big.Int).QuoRem(n, bigNanoPerUnit, new(big.Int))
		if units.Cmp(big.NewInt(1024)) >= 0 && rem.Sign() == 0 {
			return sign + binaryString(units)
		}
		format = DecimalSI
	default:
		format = DecimalExponent
	}

	digits := n.String()
	trimmed := strings.TrimRight(digits, "0")
	exp := len(digits) - len(trimmed) - nanoExponent
	for exp%3 != 0 {
		trimmed += "0"
		exp--
	}
	if format == DecimalSI {
		if suffix, ok := decimalByExponent[exp]; ok {
			return sign + trimmed + suffix
		}
		// Beyond "E" there is no suffix; an exponent keeps the magnitude.
	}
	if exp == 0 {
		return sign + trimmed
	}
	return sign + trimmed + "e" + strconv.Itoa(exp)
}

func binaryString(units *big.Int) string {
	exp := min(units.TrailingZeroBits()/10, uint(len(binaryByExponent)-1))
	return new(big.Int).Rsh(units, 10*exp).String() + binaryByExponent[exp]
}

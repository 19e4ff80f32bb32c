package resource

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseQuantityCanonical(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		format Format
	}{
		{"0", "0", DecimalSI},
		{"0Ki", "0", BinarySI},
		{"500m", "500m", DecimalSI},
		{"0.5", "500m", DecimalSI},
		{".5", "500m", DecimalSI},
		{"1.", "1", DecimalSI},
		{"1.G", "1G", DecimalSI},
		{"2", "2", DecimalSI},
		{"+2", "2", DecimalSI},
		{"-2", "-2", DecimalSI},
		{"1000m", "1", DecimalSI},
		{"1500", "1500", DecimalSI},
		{"1.5G", "1500M", DecimalSI},
		{"100k", "100k", DecimalSI},
		{"50k", "50k", DecimalSI},
		{"1000M", "1G", DecimalSI},
		{"100.035k", "100035", DecimalSI},
		{"7.123456M", "7123456", DecimalSI},
		{"1.01E", "1010P", DecimalSI},
		{"12E", "12E", DecimalSI},
		{"1000E", "1e21", DecimalSI},
		{"5n", "5n", DecimalSI},
		{"4u", "4u", DecimalSI},
		{"0.1m", "100u", DecimalSI},
		{"1080m", "1080m", DecimalSI},
		{"1.08", "1080m", DecimalSI},
		{"128Mi", "128Mi", BinarySI},
		{"1Gi", "1Gi", BinarySI},
		{"1024Mi", "1Gi", BinarySI},
		{"307200Ki", "300Mi", BinarySI},
		{"1.5Gi", "1536Mi", BinarySI},
		{"0.5Mi", "512Ki", BinarySI},
		{"3Ei", "3Ei", BinarySI},
		{"1025Ki", "1025Ki", BinarySI},
		{"100.035Ki", "102435840m", BinarySI},
		{"0.5Ki", "512", DecimalSI},
		{".001Ki", "1024m", DecimalSI},
		{".000000000001Ki", "2n", DecimalSI},
		{"9Ei", "9223372036854775807", BinarySI},
		{"1e3", "1e3", DecimalExponent},
		{"1E3", "1e3", DecimalExponent},
		{"1.3E+6", "1300e3", DecimalExponent},
		{"1e-3", "1e-3", DecimalExponent},
		{"0.5e0", "500e-3", DecimalExponent},
		{"1e0", "1", DecimalExponent},
		{"1.2e3", "1200", DecimalExponent},
		{"1E", "1E", DecimalSI},
		{"3.001n", "4n", DecimalSI},
		{"0.9n", "1n", DecimalSI},
		{"-0.9n", "-1n", DecimalSI},
		{"0.0000000005", "1n", DecimalSI},
		{"1e-30", "1e-9", DecimalExponent},
		{"1e-999999999", "1e-9", DecimalExponent},
		{"1e21", "1e21", DecimalExponent},
		{"-1.5Gi", "-1536Mi", BinarySI},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q, err := ParseQuantity(tc.in)
			if err != nil {
				t.Fatalf("ParseQuantity(%q): %v", tc.in, err)
			}
			if got := q.String(); got != tc.want {
				t.Errorf("String() got %q, want %q", got, tc.want)
			}
			if q.Format != tc.format {
				t.Errorf("Format got %s, want %s", q.Format, tc.format)
			}
			again, err := ParseQuantity(q.String())
			if err != nil {
				t.Fatalf("re-parse %q: %v", q.String(), err)
			}
			if again.Cmp(q) != 0 {
				t.Errorf("re-parse of %q got %s, want %s", q.String(), again.String(), q.String())
			}
		})
	}
}

func TestParseQuantityInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrFormatWrong},
		{".", ErrFormatWrong},
		{"-", ErrFormatWrong},
		{"Ki", ErrFormatWrong},
		{"aoeu", ErrFormatWrong},
		{" 1", ErrFormatWrong},
		{"1 ", ErrSuffix},
		{"1.1.M", ErrSuffix},
		{"1+1.0M", ErrSuffix},
		{"0.1mi", ErrSuffix},
		{"0.1am", ErrSuffix},
		{".5i", ErrSuffix},
		{"1i", ErrSuffix},
		{"1K", ErrSuffix},
		{"1e", ErrSuffix},
		{"-3.01e-", ErrSuffix},
		{"1e3x", ErrSuffix},
		{"1e99999999999", ErrSuffix},
		{"1e41", ErrTooLarge},
		{"1e999999999", ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q, err := ParseQuantity(tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("ParseQuantity(%q) got (%s, %v), want error %v", tc.in, q.String(), err, tc.want)
			}
		})
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "cannot parse 'x'") {
			t.Errorf("MustParse(\"x\") panic got %v, want a message naming the input", r)
		}
	}()
	MustParse("x")
}

func TestValues(t *testing.T) {
	tests := []struct {
		in          string
		value       int64
		milli       int64
		approximate float64
	}{
		{"0", 0, 0, 0},
		{"500m", 1, 500, 0.5},
		{"1500m", 2, 1500, 1.5},
		{"-1500m", -2, -1500, -1.5},
		{"1n", 1, 1, 1e-9},
		{"-1n", -1, -1, -1e-9},
		{"128Mi", 128 << 20, 128 << 20 * 1000, 128 << 20},
		{"1E", 1e18, math.MaxInt64, 1e18},
		{"8E", 8e18, math.MaxInt64, 8e18},
		{"12E", math.MaxInt64, math.MaxInt64, 12e18},
		{"-12E", math.MinInt64, math.MinInt64, -12e18},
		{"1e3", 1000, 1000000, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			q := MustParse(tc.in)
			if got := q.Value(); got != tc.value {
				t.Errorf("Value() got %d, want %d", got, tc.value)
			}
			if got := q.MilliValue(); got != tc.milli {
				t.Errorf("MilliValue() got %d, want %d", got, tc.milli)
			}
			if got := q.AsApproximateFloat64(); math.Abs(got-tc.approximate) > math.Abs(tc.approximate)*1e-12 {
				t.Errorf("AsApproximateFloat64() got %g, want %g", got, tc.approximate)
			}
		})
	}
}

func TestNewQuantity(t *testing.T) {
	tests := []struct {
		name string
		q    *Quantity
		want string
	}{
		{"units decimal", NewQuantity(1, DecimalSI), "1"},
		{"thousand decimal", NewQuantity(1000, DecimalSI), "1k"},
		{"1234000 decimal", NewQuantity(1234000, DecimalSI), "1234k"},
		{"1024 binary", NewQuantity(1024, BinarySI), "1Ki"},
		{"mebibyte", NewQuantity(1024*1024, BinarySI), "1Mi"},
		{"unknown format", NewQuantity(1000000, "bogus"), "1e6"},
		{"zero", NewQuantity(0, BinarySI), "0"},
		{"exabytes", NewQuantity(math.MaxInt64, DecimalSI), "9223372036854775807"},
		{"milli", NewMilliQuantity(1, DecimalSI), "1m"},
		{"milli whole", NewMilliQuantity(1000, DecimalSI), "1"},
		{"milli binary", NewMilliQuantity(1024, BinarySI), "1024m"},
		{"milli binary large", NewMilliQuantity(1024*1024, BinarySI), "1048576m"},
		{"milli exponent", NewMilliQuantity(1000000, "bogus"), "1e3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.q.String(); got != tc.want {
				t.Errorf("String() got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCmp(t *testing.T) {
	tests := []struct {
		x, y string
		want int
	}{
		{"0", "0", 0},
		{"100m", "50m", 1},
		{"50m", "100m", -1},
		{"10000T", "100Gi", 1},
		{"1Gi", "1073741824", 0},
		{"1", "1000m", 0},
		{"-1", "0", -1},
		{"8E", "7Ei", -1},
	}
	for _, tc := range tests {
		t.Run(tc.x+" vs "+tc.y, func(t *testing.T) {
			x, y := MustParse(tc.x), MustParse(tc.y)
			if got := x.Cmp(y); got != tc.want {
				t.Errorf("Cmp got %d, want %d", got, tc.want)
			}
			if got := y.Cmp(x); got != -tc.want {
				t.Errorf("inverse Cmp got %d, want %d", got, -tc.want)
			}
			if got := x.Equal(y); got != (tc.want == 0) {
				t.Errorf("Equal got %t, want %t", got, tc.want == 0)
			}
		})
	}
	if got := (Quantity{}).CmpInt64(0); got != 0 {
		t.Errorf("zero CmpInt64(0) got %d, want 0", got)
	}
	if got := MustParse("1001m").CmpInt64(1); got != 1 {
		t.Errorf("1001m CmpInt64(1) got %d, want 1", got)
	}
}

func TestAddSub(t *testing.T) {
	tests := []struct {
		name    string
		a, b    Quantity
		add     string
		sub     string
		subName string
	}{
		{"decimal", MustParse("10"), MustParse("1e1"), "20", "0", ""},
		{"keeps receiver format", MustParse("10"), NewQuantity(1, BinarySI).DeepCopy(), "11", "9", ""},
		{"zero takes format", Quantity{}, MustParse("1Gi"), "1Gi", "-1Gi", ""},
		{"adding zero keeps suffix", MustParse("100m"), Quantity{}, "100m", "100m", ""},
		{"binary", MustParse("1Gi"), MustParse("512Mi"), "1536Mi", "512Mi", ""},
		{"beyond int64", MustParse("9E"), MustParse("9E"), "18E", "0", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum := tc.a
			sum.Add(tc.b)
			if got := sum.String(); got != tc.add {
				t.Errorf("Add got %s, want %s", got, tc.add)
			}
			diff := tc.a
			diff.Sub(tc.b)
			if got := diff.String(); got != tc.sub {
				t.Errorf("Sub got %s, want %s", got, tc.sub)
			}
		})
	}
}

func TestAddDoesNotAlias(t *testing.T) {
	a := MustParse("1")
	b := a // shares the number
	b.Add(MustParse("1"))
	b.Neg()
	if got := a.String(); got != "1" {
		t.Errorf("original after changing a copy got %s, want 1", got)
	}
	if got := b.String(); got != "-2" {
		t.Errorf("copy got %s, want -2", got)
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`"500m"`, `"500m"`},
		{`"0.5"`, `"500m"`},
		{`" 1 "`, `"1"`},
		{`0.5`, `"500m"`},
		{`1`, `"1"`},
		{`-1`, `"-1"`},
		{`1e3`, `"1e3"`},
		{`"1024Mi"`, `"1Gi"`},
		{`null`, `"0"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var q Quantity
			if err := json.Unmarshal([]byte(tc.in), &q); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tc.in, err)
			}
			got, err := json.Marshal(q)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("round trip of %s got %s, want %s", tc.in, got, tc.want)
			}
		})
	}
	var q Quantity
	if err := json.Unmarshal([]byte(`"12 cores"`), &q); err == nil {
		t.Errorf("Unmarshal of a malformed quantity got no error, want one")
	}

	type holder struct {
		M map[string]Quantity `json:"m"`
		P *Quantity           `json:"p,omitempty"`
	}
	in := holder{M: map[string]Quantity{"cpu": MustParse("0.25"), "memory": MustParse("64Mi")}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"m":{"cpu":"250m","memory":"64Mi"}}`; string(b) != want {
		t.Errorf("Marshal got %s, want %s", b, want)
	}
	var out holder
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func TestZeroValue(t *testing.T) {
	var q Quantity
	if !q.IsZero() || q.Sign() != 0 || q.Value() != 0 || q.MilliValue() != 0 || q.String() != "0" {
		t.Errorf("zero Quantity got IsZero=%t Sign=%d Value=%d MilliValue=%d String=%q, want 0 everywhere",
			q.IsZero(), q.Sign(), q.Value(), q.MilliValue(), q.String())
	}
}

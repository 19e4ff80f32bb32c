package table

import (
	"testing"
	"time"

	"github.com/wharf/wharf/api/meta"
)

func TestHumanDuration(t *testing.T) {
	const (
		s = time.Second
		m = time.Minute
		h = time.Hour
		d = 24 * time.Hour
		y = 365 * d
	)
	tests := []struct {
		in   time.Duration
		want string
	}{
		{-2 * s, "<invalid>"},
		{-1 * s, "0s"},
		{0, "0s"},
		{45 * s, "45s"},
		{119 * s, "119s"},
		{2 * m, "2m"},
		{5 * m, "5m"},
		{5*m + 30*s, "5m30s"},
		{9*m + 59*s, "9m59s"},
		{10*m + 30*s, "10m"},
		{179 * m, "179m"},
		{3 * h, "3h"},
		{3*h + 2*m, "3h2m"},
		{7*h + 59*m, "7h59m"},
		{8*h + 30*m, "8h"},
		{47 * h, "47h"},
		{2 * d, "2d"},
		{2*d + 3*h, "2d3h"},
		{7*d + 23*h, "7d23h"},
		{8*d + 5*h, "8d"},
		{30 * d, "30d"},
		{2*y - d, "729d"},
		{2 * y, "2y"},
		{2*y + 100*d, "2y100d"},
		{8*y + 100*d, "8y"},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			if got := HumanDuration(tt.in); got != tt.want {
				t.Errorf("HumanDuration(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		created meta.Time
		want    string
	}{
		{"zero", meta.Time{}, "<unknown>"},
		{"seconds", meta.NewTime(now.Add(-45 * time.Second)), "45s"},
		{"days", meta.NewTime(now.Add(-50 * time.Hour)), "2d2h"},
		{"future", meta.NewTime(now.Add(time.Hour)), "<invalid>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ageAt(tt.created, now); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got := Age(meta.Now()); got != "0s" && got != "1s" {
		t.Errorf("Age(now) = %q, want 0s or 1s", got)
	}
}

package table

import (
	"fmt"
	"time"

	"github.com/wharf/wharf/api/meta"
)

// Age is the AGE cell of an object created at t: "<unknown>" when t is
// zero, otherwise the time since then as HumanDuration writes it.
func Age(t meta.Time) string { return ageAt(t, time.Now()) }

func ageAt(t meta.Time, now time.Time) string {
	if t.IsZero() {
		return Unknown
	}
	return HumanDuration(now.Sub(t.Time))
}

// HumanDuration writes d the way kubectl does: short, with a second unit
// only while it still says something ("5m30s" but "45m", "3h2m" but "30h").
// Clocks of different machines disagree by a second or so, hence a small
// negative d is "0s" rather than "<invalid>".
func HumanDuration(d time.Duration) string {
	seconds := int64(d / time.Second)
	switch {
	case seconds < -1:
		return "<invalid>"
	case seconds < 0:
		return "0s"
	case seconds < 2*60:
		return fmt.Sprintf("%ds", seconds)
	}
	minutes := seconds / 60
	switch {
	case minutes < 10:
		return withRemainder(minutes, "m", seconds%60, "s")
	case minutes < 3*60:
		return fmt.Sprintf("%dm", minutes)
	}
	hours := minutes / 60
	switch {
	case hours < 8:
		return withRemainder(hours, "h", minutes%60, "m")
	case hours < 48:
		return fmt.Sprintf("%dh", hours)
	}
	days := hours / 24
	switch {
	case days < 8:
		return withRemainder(days, "d", hours%24, "h")
	case days < 2*365:
		return fmt.Sprintf("%dd", days)
	case days < 8*365:
		return withRemainder(days/365, "y", days%365, "d")
	}
	return fmt.Sprintf("%dy", days/365)
}

// withRemainder writes "3h" or "3h2m": the smaller unit only when non-zero.
func withRemainder(n int64, unit string, rest int64, restUnit string) string {
	if rest == 0 {
		return fmt.Sprintf("%d%s", n, unit)
	}
	return fmt.Sprintf("%d%s%d%s", n, unit, rest, restUnit)
}

package nodeagent

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestIPAMRange(t *testing.T) {
	m, err := newIPAM("10.128.3.0/29")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		a, err := m.allocate()
		if errors.Is(err, errPodCIDRFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.String())
	}
	want := []string{"10.128.3.2", "10.128.3.3", "10.128.3.4", "10.128.3.5", "10.128.3.6"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v (no network, gateway or broadcast address)", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestIPAMRejects(t *testing.T) {
	for _, cidr := range []string{"nonsense", "fd00::/64", "10.0.0.0/31"} {
		if _, err := newIPAM(cidr); err == nil {
			t.Errorf("newIPAM(%q): got no error, want one", cidr)
		}
	}
}

// TestIPAMNeverHandsOutAnAddressInUse drives random allocations and
// releases and checks the one property that matters.
func TestIPAMNeverHandsOutAnAddressInUse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		m, err := newIPAM("10.128.0.0/27")
		if err != nil {
			t.Fatal(err)
		}
		inUse := map[netip.Addr]bool{}
		var held []netip.Addr
		for step := 0; step < 500; step++ {
			if len(held) > 0 && r.IntN(3) == 0 {
				i := r.IntN(len(held))
				m.release(held[i])
				delete(inUse, held[i])
				held = append(held[:i], held[i+1:]...)
				continue
			}
			a, err := m.allocate()
			if errors.Is(err, errPodCIDRFull) {
				if len(held) != 29 {
					t.Fatalf("round %d step %d: full with %d addresses held, want 29", round, step, len(held))
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if inUse[a] {
				t.Fatalf("round %d step %d: got %s, which is in use", round, step, a)
			}
			inUse[a] = true
			held = append(held, a)
		}
	}
}

func TestIPAMDoesNotReuseAReleasedAddressAtOnce(t *testing.T) {
	m, err := newIPAM("10.128.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := m.allocate()
	m.release(first)
	second, _ := m.allocate()
	if second == first {
		t.Errorf("got %s again right after releasing it, want the next address", second)
	}
	m.reserve(netip.MustParseAddr("10.128.0.4"))
	third, _ := m.allocate()
	if third.String() != "10.128.0.5" {
		t.Errorf("after reserving .4: got %s, want 10.128.0.5", third)
	}
}

package nodeagent

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// errPodCIDRFull says every address of the pod CIDR is in use.
var errPodCIDRFull = errors.New("no free IP address left in the pod CIDR")

// ipam hands out the IPv4 addresses of one pod CIDR, as CNI's host-local
// plugin does: never an address in use, the network and broadcast
// addresses and the gateway (the first host) never, and round-robin so that
// a released address is not handed out again at once. Not safe for
// concurrent use: its owner locks.
type ipam struct {
	prefix      netip.Prefix
	first, last uint32 // the assignable range
	next        uint32 // where the next search starts
	used        map[netip.Addr]struct{}
}

// newIPAM returns an allocator of cidr, which must be IPv4 and leave at
// least one assignable address (/30 or larger).
func newIPAM(cidr string) (*ipam, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("pod CIDR %q: %w", cidr, err)
	}
	p = p.Masked()
	if !p.Addr().Is4() {
		return nil, fmt.Errorf("pod CIDR %q: only IPv4 ranges are supported", cidr)
	}
	if p.Bits() > 30 {
		return nil, fmt.Errorf("pod CIDR %q: too small, want /30 or larger", cidr)
	}
	base := v4(p.Addr())
	size := uint32(1) << (32 - p.Bits())
	first := base + 2 // skip the network address and the gateway
	return &ipam{prefix: p, first: first, last: base + size - 2, next: first, used: map[netip.Addr]struct{}{}}, nil
}

// allocate returns a free address and marks it used.
func (m *ipam) allocate() (netip.Addr, error) {
	n := m.last - m.first + 1
	for i := uint32(0); i < n; i++ {
		cand := m.first + (m.next-m.first+i)%n
		a := fromV4(cand)
		if _, taken := m.used[a]; taken {
			continue
		}
		m.used[a] = struct{}{}
		m.next = cand + 1
		if m.next > m.last {
			m.next = m.first
		}
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("%w %s", errPodCIDRFull, m.prefix)
}

// reserve marks an address as used (one held by an adopted sandbox); an
// address outside the range is ignored.
func (m *ipam) reserve(a netip.Addr) {
	if m.prefix.Contains(a) {
		m.used[a] = struct{}{}
	}
}

// release frees an address.
func (m *ipam) release(a netip.Addr) { delete(m.used, a) }

func v4(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func fromV4(n uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], n)
	return netip.AddrFrom4(b)
}

package scheme

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Scheme is an immutable set of Resources with the look-ups every component
// needs. Build it once with New and share it.
type Scheme struct {
	resources []*Resource
	byKind    map[string]*Resource // apiVersion + "/" + kind
	byPlural  map[string]*Resource // group + "/" + version + "/" + plural
	byType    map[reflect.Type]*Resource
}

// New returns a Scheme of rs; it panics on a duplicate, which is a
// programming error caught by every test.
func New(rs ...*Resource) *Scheme {
	s := &Scheme{
		byKind:   map[string]*Resource{},
		byPlural: map[string]*Resource{},
		byType:   map[reflect.Type]*Resource{},
	}
	for _, r := range rs {
		k := r.APIVersion() + "/" + r.Kind
		if _, dup := s.byKind[k]; dup {
			panic(fmt.Sprintf("scheme: %s registered twice", k))
		}
		s.byKind[k] = r
		s.byPlural[r.Group+"/"+r.Version+"/"+r.Plural] = r
		s.byType[r.Type()] = r
		s.resources = append(s.resources, r)
	}
	sort.SliceStable(s.resources, func(i, j int) bool {
		a, b := s.resources[i], s.resources[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Plural < b.Plural
	})
	return s
}

// Resources returns every resource, ordered by group then plural.
func (s *Scheme) Resources() []*Resource { return s.resources }

// ByKind finds the resource of a manifest's apiVersion and kind.
func (s *Scheme) ByKind(apiVersion, kind string) (*Resource, bool) {
	r, ok := s.byKind[apiVersion+"/"+kind]
	return r, ok
}

// ByPlural finds the resource served at /apis/group/version/plural.
func (s *Scheme) ByPlural(group, version, plural string) (*Resource, bool) {
	r, ok := s.byPlural[group+"/"+version+"/"+plural]
	return r, ok
}

// ByType finds the resource of a Go type (the struct, not a pointer to it).
func (s *Scheme) ByType(t reflect.Type) (*Resource, bool) {
	r, ok := s.byType[t]
	return r, ok
}

// Groups returns the API groups in order, "" (core) first.
func (s *Scheme) Groups() []string {
	seen := map[string]bool{}
	var gs []string
	for _, r := range s.resources {
		if !seen[r.Group] {
			seen[r.Group] = true
			gs = append(gs, r.Group)
		}
	}
	return gs
}

// Lookup resolves what a user types on the command line: a plural ("pods"),
// singular ("pod"), short name ("po"), kind ("Pod"), or any of them
// qualified by group ("deployments.apps").
func (s *Scheme) Lookup(name string) (*Resource, error) {
	lower := strings.ToLower(name)
	var found []*Resource
	for _, r := range s.resources {
		if matches(r, lower) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("the server doesn't have a resource type %q", name)
	case 1:
		return found[0], nil
	default:
		// The core group wins a tie, as in kubectl.
		for _, r := range found {
			if r.Group == "" {
				return r, nil
			}
		}
		return found[0], nil
	}
}

func matches(r *Resource, name string) bool {
	base, group, qualified := strings.Cut(name, ".")
	if qualified && group != r.Group && group != r.Version+"."+r.Group {
		return false
	}
	if base == r.Plural || base == r.Singular || base == strings.ToLower(r.Kind) {
		return true
	}
	for _, sn := range r.ShortNames {
		if base == sn {
			return true
		}
	}
	return false
}

package framework

import (
	"errors"
	"fmt"
)

// Factory builds a plugin.
type Factory func() Plugin

// Registry maps plugin names to their factories. It is an explicit map,
// filled by whoever assembles a scheduler, never by init functions.
type Registry map[string]Factory

// PluginSet names the plugins a profile runs, in order, and the weight of
// each scorer.
type PluginSet struct {
	Filters []string
	Scores  []WeightedName
}

// WeightedName is a scorer and the weight of its normalised score.
type WeightedName struct {
	Name   string
	Weight int64
}

// WeightedScore is a scorer and the weight of its normalised score.
type WeightedScore struct {
	Plugin ScorePlugin
	Weight int64
}

// Profile is the plugins a scheduler runs: every filter in order, then
// every scorer with its weight.
type Profile struct {
	Filters []FilterPlugin
	Scores  []WeightedScore
}

// NewProfile builds the plugins set names from r. A plugin named both as a
// filter and as a scorer is built once.
func NewProfile(r Registry, set PluginSet) (*Profile, error) {
	built := map[string]Plugin{}
	get := func(name string) (Plugin, error) {
		if p, ok := built[name]; ok {
			return p, nil
		}
		f, ok := r[name]
		if !ok {
			return nil, fmt.Errorf("plugin %q is not registered", name)
		}
		p := f()
		built[name] = p
		return p, nil
	}
	var errs []error
	p := &Profile{}
	for _, name := range set.Filters {
		pl, err := get(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f, ok := pl.(FilterPlugin)
		if !ok {
			errs = append(errs, fmt.Errorf("plugin %q is not a filter", name))
			continue
		}
		p.Filters = append(p.Filters, f)
	}
	for _, w := range set.Scores {
		pl, err := get(w.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, ok := pl.(ScorePlugin)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("plugin %q is not a scorer", w.Name))
		case w.Weight <= 0:
			errs = append(errs, fmt.Errorf("scorer %q: weight %d must be positive", w.Name, w.Weight))
		default:
			p.Scores = append(p.Scores, WeightedScore{Plugin: s, Weight: w.Weight})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// Filter runs the filters in order and returns the reasons of the first
// that rejects node, or nothing when all accept it: like kube-scheduler,
// a node is reported once, for the first thing wrong with it.
func (p *Profile) Filter(pod *PodInfo, node *NodeInfo) []Reason {
	for _, f := range p.Filters {
		if reasons := f.Filter(pod, node); len(reasons) > 0 {
			return reasons
		}
	}
	return nil
}

// Score returns the weighted sum of the normalised scores of every scorer
// for each of nodes, in the order of nodes.
func (p *Profile) Score(pod *PodInfo, nodes []*NodeInfo) []int64 {
	total := make([]int64, len(nodes))
	raw := make([]int64, len(nodes))
	for _, ws := range p.Scores {
		for i, n := range nodes {
			raw[i] = ws.Plugin.Score(pod, n)
		}
		if norm, ok := ws.Plugin.(ScoreNormalizer); ok {
			norm.Normalize(pod, raw)
		}
		for i, s := range raw {
			total[i] += min(max(s, 0), MaxNodeScore) * ws.Weight
		}
	}
	return total
}

package framework

// Plugin is anything the scheduler runs at some stage; Name is what it is
// registered and logged as.
type Plugin interface {
	Name() string
}

// FilterPlugin decides whether a pod may run on a node at all.
type FilterPlugin interface {
	Plugin
	// Filter returns why node cannot take pod, or nothing when it can. It
	// is called concurrently for many nodes and must only read its
	// arguments.
	Filter(pod *PodInfo, node *NodeInfo) []Reason
}

// MaxNodeScore is the best score a plugin gives a node after
// normalisation; the worst is 0.
const MaxNodeScore int64 = 100

// ScorePlugin ranks the nodes that passed every filter.
type ScorePlugin interface {
	Plugin
	// Score returns the plugin's raw score of node for pod: in 0..MaxNodeScore
	// unless the plugin is also a ScoreNormalizer.
	Score(pod *PodInfo, node *NodeInfo) int64
}

// ScoreNormalizer is a ScorePlugin whose raw scores only mean something
// relative to each other (a count of pods, a sum of weights): it maps the
// raw scores of all feasible nodes onto 0..MaxNodeScore, in place.
type ScoreNormalizer interface {
	Normalize(pod *PodInfo, scores []int64)
}

// NormalizeToMax scales scores so that the largest becomes MaxNodeScore,
// or, reversed, so that the largest becomes 0 and 0 becomes MaxNodeScore:
// the normalisation of plugins that count good (or bad) things. All zeros
// stay zero, or all become MaxNodeScore when reversed.
func NormalizeToMax(scores []int64, reverse bool) {
	var top int64
	for _, s := range scores {
		top = max(top, s)
	}
	for i, s := range scores {
		switch {
		case top == 0 && reverse:
			scores[i] = MaxNodeScore
		case top == 0:
			scores[i] = 0
		case reverse:
			scores[i] = MaxNodeScore - s*MaxNodeScore/top
		default:
			scores[i] = s * MaxNodeScore / top
		}
	}
}

package builtin

import (
	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/batch"
	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/scheme"
)

// Scheme returns a new scheme of every built-in resource. Each call builds
// a fresh one: callers build it once and pass it on.
func Scheme() *scheme.Scheme {
	var rs []*scheme.Resource
	rs = append(rs, core.Resources()...)
	rs = append(rs, apps.Resources()...)
	rs = append(rs, batch.Resources()...)
	rs = append(rs, coordination.Resources()...)
	return scheme.New(rs...)
}

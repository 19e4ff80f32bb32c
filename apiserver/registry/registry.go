package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/validate"
	"github.com/wharf/wharf/apiserver/storage"
)

// Registry stores the objects of one resource.
type Registry struct {
	res    *scheme.Resource
	store  *storage.Store
	cache  *storage.Cacher
	prefix string
	// admit checks a create against the rest of the cluster (the namespace
	// exists and is not terminating); nil admits everything.
	admit func(ctx context.Context, obj meta.Object) error
	// mutate adjusts a new object before defaulting (Kubernetes' mutating
	// admission: the default tolerations of pods).
	mutate func(obj meta.Object)
	now    func() time.Time
}

// Options configure a Registry.
type Options struct {
	// CacheCapacity is how many recent events the watch cache keeps.
	CacheCapacity int
	// Admit, if set, is called before every create.
	Admit func(ctx context.Context, obj meta.Object) error
	// Mutate, if set, adjusts every new object before it is defaulted.
	Mutate func(obj meta.Object)
	Log    *slog.Logger
}

// New returns the registry of res over store. Call Run to start its watch cache.
func New(res *scheme.Resource, store *storage.Store, opts Options) *Registry {
	r := &Registry{
		res:    res,
		store:  store,
		prefix: "/registry/" + res.Plural + "/",
		admit:  opts.Admit,
		mutate: opts.Mutate,
		now:    time.Now,
	}
	if res.Group != "" {
		r.prefix = "/registry/" + res.Group + "/" + res.Plural + "/"
	}
	capacity := opts.CacheCapacity
	if capacity <= 0 {
		capacity = 10000
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	r.cache = storage.NewCacher(store, r.prefix, r.decodeStored, capacity, log.With("resource", res.Plural))
	return r
}

// Resource returns the resource this registry stores.
func (r *Registry) Resource() *scheme.Resource { return r.res }

// Run runs the watch cache until ctx ends.
func (r *Registry) Run(ctx context.Context) error { return r.cache.Run(ctx) }

// Ready is closed once the watch cache has loaded.
func (r *Registry) Ready() <-chan struct{} { return r.cache.Ready() }

// TrimCache drops cached events at or before rev, after etcd compacted there.
func (r *Registry) TrimCache(rev int64) { r.cache.TrimBefore(rev) }

func (r *Registry) key(ns, name string) string {
	if r.res.Namespaced {
		return r.prefix + ns + "/" + name
	}
	return r.prefix + name
}

// nsPrefix is the key prefix of everything in namespace ns ("" for all).
func (r *Registry) nsPrefix(ns string) string {
	if r.res.Namespaced && ns != "" {
		return r.prefix + ns + "/"
	}
	return r.prefix
}

func (r *Registry) notFound(name string) error { return errdefs.NotFound(r.res.GroupResource(), name) }

// decodeStored is the watch cache's decoder: the object as stored, with its
// resourceVersion set to rev, and that object's JSON.
func (r *Registry) decodeStored(_ string, value []byte, rev int64) (any, []byte, error) {
	obj, err := r.decode(value, rev)
	if err != nil {
		return nil, nil, err
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, err
	}
	return obj, raw, nil
}

// decode reads a stored object. Stored objects were validated when written,
// so this is a plain (not strict) decode: a field removed from a later
// version of a type must not make old objects unreadable.
func (r *Registry) decode(value []byte, rev int64) (meta.Object, error) {
	obj := r.res.New()
	if err := json.Unmarshal(value, obj); err != nil {
		return nil, fmt.Errorf("decoding stored %s: %w", r.res.Plural, err)
	}
	r.res.SetTypeMeta(obj)
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(rev, 10)
	return obj, nil
}

// encode renders obj for storage: without its resourceVersion, which is the
// etcd revision and so is known only after the write.
func (r *Registry) encode(obj meta.Object) ([]byte, error) {
	m := obj.GetObjectMeta()
	rv := m.ResourceVersion
	m.ResourceVersion = ""
	b, err := json.Marshal(obj)
	m.ResourceVersion = rv
	if err != nil {
		return nil, errdefs.Internal(err)
	}
	return b, nil
}

// storageError translates a storage error for the object named name.
func (r *Registry) storageError(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return r.notFound(name)
	case errors.Is(err, storage.ErrKeyExists):
		return errdefs.AlreadyExists(r.res.GroupResource(), name)
	case errors.Is(err, storage.ErrConflict):
		return errdefs.StaleResourceVersion(r.res.GroupResource(), name)
	case errors.Is(err, storage.ErrCompacted):
		return errdefs.Expired("The resourceVersion for the provided list is too old.")
	case errors.Is(err, storage.ErrTooLarge):
		return errdefs.RequestEntityTooLarge("the object is too large to store: %v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errdefs.Timeout("the request did not finish in time: %v", err)
	}
	var e *errdefs.Error
	if errors.As(err, &e) {
		return err
	}
	return errdefs.Internal(err)
}

func (r *Registry) validate(obj meta.Object) error {
	m := obj.GetObjectMeta()
	errs := validate.ObjectMeta(m, r.res.Namespaced, r.res.NameIsLabel, validate.NewPath("metadata"))
	if r.res.Validate != nil {
		errs = append(errs, r.res.Validate(obj)...)
	}
	return errs.ToError(r.res.Kind, m.Name)
}

func (r *Registry) validateUpdate(obj, old meta.Object) error {
	m := obj.GetObjectMeta()
	errs := validate.ObjectMeta(m, r.res.Namespaced, r.res.NameIsLabel, validate.NewPath("metadata"))
	errs = append(errs, validate.ObjectMetaUpdate(m, old.GetObjectMeta(), validate.NewPath("metadata"))...)
	if r.res.Validate != nil {
		errs = append(errs, r.res.Validate(obj)...)
	}
	if r.res.ValidateUpdate != nil {
		errs = append(errs, r.res.ValidateUpdate(obj, old)...)
	}
	return errs.ToError(r.res.Kind, m.Name)
}

func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40 // version 4
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// The alphabet Kubernetes uses for generated name suffixes: no vowels, so
// no words, and no look-alike characters.
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

func generateName(base string) string {
	const maxBase = 63 - 5
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = nameAlphabet[int(b[i])%len(nameAlphabet)]
	}
	return base + string(b[:])
}

// field returns the struct field name of obj (a pointer to a struct), or an
// invalid Value when the kind has no such field.
func field(obj meta.Object, name string) reflect.Value {
	return reflect.ValueOf(obj).Elem().FieldByName(name)
}

// copyStatus sets dst's Status to src's; kinds without status are untouched.
func copyStatus(dst, src meta.Object) {
	d, s := field(dst, "Status"), field(src, "Status")
	if d.IsValid() && s.IsValid() {
		d.Set(s)
	}
}

// clearStatus zeroes obj's Status.
func clearStatus(obj meta.Object) {
	if f := field(obj, "Status"); f.IsValid() {
		f.Set(reflect.Zero(f.Type()))
	}
}

// specJSON renders everything of obj but its metadata and status: what
// metadata.generation counts changes of.
func specJSON(obj meta.Object) []byte {
	v := reflect.ValueOf(obj).Elem()
	t := v.Type()
	parts := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		switch t.Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		parts[t.Field(i).Name] = v.Field(i).Interface()
	}
	b, _ := json.Marshal(parts)
	return b
}

package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/errdefs"
)

// scaleRetryTimeout bounds how long scale retries on conflicts, as
// kubectl's 5 minutes do.
const scaleRetryTimeout = 5 * time.Minute

type scaleOptions struct {
	refs            refOptions
	replicas        int
	currentReplicas int
	resourceVersion string
	timeout         time.Duration
}

func newScaleCommand(g *globalOptions, s streams) *cobra.Command {
	o := &scaleOptions{currentReplicas: -1}
	cmd := &cobra.Command{
		Use:   "scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME)",
		Short: "Set a new size for a deployment or replica set",
		Long: `Set a new size for a deployment or replica set through its scale
subresource.

--current-replicas and --resource-version are preconditions: the scale
happens only if the object has that many replicas, or that resource version,
now. With --timeout, scale waits until the object reports the new number of
replicas.`,
		Example: `  wharf scale deployment/web --replicas=3
  wharf scale --current-replicas=2 --replicas=3 deployment/web
  wharf scale -f web.yaml --replicas=5
  wharf scale rs -l app=web --replicas=0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			sess, err := g.connect()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), sess, s, args)
		},
	}
	f := cmd.Flags()
	o.refs.addFlags(f, "scale", true)
	f.IntVar(&o.replicas, "replicas", 0, "the new desired number of replicas (required)")
	f.IntVar(&o.currentReplicas, "current-replicas", o.currentReplicas, "precondition: the current number of replicas (-1: no precondition)")
	f.StringVar(&o.resourceVersion, "resource-version", "", "precondition: the current resource version")
	f.DurationVar(&o.timeout, "timeout", 0, "how long to wait for the new number of replicas (0: do not wait)")
	_ = cmd.MarkFlagRequired("replicas")
	return cmd
}

func (o *scaleOptions) validate() error {
	if o.replicas < 0 {
		return errors.New("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
	}
	if o.currentReplicas < -1 {
		return errors.New("The --current-replicas must specify an integer of -1 or greater")
	}
	return nil
}

func (o *scaleOptions) run(ctx context.Context, sess *session, s streams, args []string) error {
	refs, err := o.refs.resolve(ctx, sess, s, "wharf scale", args,
		"you must provide one or more resources by argument or filename (-f)")
	if err != nil {
		return err
	}
	if o.resourceVersion != "" && len(refs) > 1 {
		return errors.New("cannot use --resource-version with multiple resources")
	}
	var errs []error
	for _, ref := range refs {
		if err := o.scale(ctx, sess, ref); err != nil {
			errs = append(errs, err)
			continue
		}
		if o.timeout > 0 {
			if err := o.waitScaled(ctx, sess, ref); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		fmt.Fprintf(s.out, "%s scaled\n", ref)
	}
	return errors.Join(errs...)
}

// scale sets the object's replicas through its scale subresource, retrying
// on conflicts. Without a precondition it is a blind merge patch; with
// one, it reads the Scale, checks it, and writes it back at the revision it
// read, so that nothing changes between the check and the write.
func (o *scaleOptions) scale(ctx context.Context, sess *session, ref objectRef) error {
	ctx, cancel := context.WithTimeout(ctx, scaleRetryTimeout)
	defer cancel()
	path := resourcePath(ref.res, ref.namespace, ref.name) + "/scale"
	pause := 100 * time.Millisecond
	for {
		err := o.scaleOnce(ctx, sess, path)
		if !errors.Is(err, errdefs.ErrConflict) {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause = min(2*pause, time.Second)
	}
}

func (o *scaleOptions) scaleOnce(ctx context.Context, sess *session, path string) error {
	if o.currentReplicas == -1 && o.resourceVersion == "" {
		body := scalePatch(o.replicas)
		_, _, err := sess.client.Do(ctx, http.MethodPatch, path, nil, string(client.MergePatch), body, "")
		return err
	}
	sc, err := getScale(ctx, sess, path)
	if err != nil {
		return err
	}
	if err := scalePrecondition(sc, o.currentReplicas, o.resourceVersion); err != nil {
		return err
	}
	sc.Spec.Replicas = int32(o.replicas)
	body, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	_, _, err = sess.client.Do(ctx, http.MethodPut, path, nil, client.ContentTypeJSON, body, "")
	return err
}

// scalePatch is the merge patch of a blind scale.
func scalePatch(replicas int) []byte {
	return []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas))
}

func getScale(ctx context.Context, sess *session, path string) (*apps.Scale, error) {
	b, _, err := sess.client.Do(ctx, http.MethodGet, path, nil, "", nil, "")
	if err != nil {
		return nil, err
	}
	var sc apps.Scale
	if err := json.Unmarshal(b, &sc); err != nil {
		return nil, fmt.Errorf("decoding the Scale: %w", err)
	}
	return &sc, nil
}

// scalePrecondition checks --current-replicas (-1: none) and
// --resource-version ("": none) against a Scale, in kubectl's words.
func scalePrecondition(sc *apps.Scale, replicas int, resourceVersion string) error {
	if replicas != -1 && int(sc.Spec.Replicas) != replicas {
		return fmt.Errorf("Expected replicas to be %d, was %d", replicas, sc.Spec.Replicas)
	}
	if resourceVersion != "" && sc.ResourceVersion != resourceVersion {
		return fmt.Errorf("Expected resource version to be %s, was %s", resourceVersion, sc.ResourceVersion)
	}
	return nil
}

// waitScaled waits until the object reports as many replicas as asked
// for, or someone else asks for another number.
func (o *scaleOptions) waitScaled(ctx context.Context, sess *session, ref objectRef) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	path := resourcePath(ref.res, ref.namespace, ref.name) + "/scale"
	for {
		sc, err := getScale(ctx, sess, path)
		if err == nil && (sc.Spec.Replicas != int32(o.replicas) || sc.Status.Replicas == int32(o.replicas)) {
			return nil
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("timed out waiting for %s to be synced", strconv.Quote(ref.name))
		case <-t.C:
		}
	}
}

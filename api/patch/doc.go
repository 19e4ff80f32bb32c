// Package patch implements the three PATCH content types of the Kubernetes
// API and the three-way merge behind client-side apply:
//
//   - application/merge-patch+json: RFC 7386 JSON merge patch (MergePatch,
//     CreateMergePatch);
//   - application/json-patch+json: RFC 6902 JSON patch (JSONPatch);
//   - application/strategic-merge-patch+json: Kubernetes' strategic merge
//     patch (StrategicMergePatch), whose list semantics come from the
//     patchStrategy and patchMergeKey tags of the Go type being patched;
//   - CreateThreeWayMergePatch, what `kubectl apply` and `wharf apply` send:
//     the last-applied configuration, the new manifest and the live object
//     become a strategic merge patch that changes only what the manifest owns.
//
// Everything works on JSON bytes: the server decodes the result strictly
// afterwards, so a patch never has to know every field, and a field unknown to
// the Go type is merged as a JSON merge patch would merge it.
//
// The directives of a strategic merge patch are consumed and never reach the
// result:
//   - `$patch: replace` in a map replaces the map with the rest of the patch
//     map; alone as a list element, it replaces the list with the rest of the
//     patch list;
//   - `$patch: delete` in a list element carrying the merge key deletes the
//     elements with that key; in a map it removes that map's key from its
//     parent (and turns a whole document into {});
//   - `$patch: merge` in a map is the default; alone as a list element, it
//     merges a list whose strategy is replace (by key if it has one);
//   - `$retainKeys: [names]` keeps only those keys of the merged map, and is
//     an error if the patch sets a key it does not list;
//   - `$setElementOrder/<list>: [...]` puts the elements it names first, in
//     its order ({key: value} objects for a keyed list, values otherwise),
//     and the elements it does not name after them, in their merged order;
//   - `$deleteFromPrimitiveList/<list>: [...]` removes those values from the
//     list before the patch's own values are merged in.
//
// Malformed documents and patches are errdefs.BadRequest errors; a JSON patch
// operation that cannot be carried out (a failed test, a missing path) is an
// Invalid error naming the operation's index and path, as Kubernetes answers
// 422 for it.
package patch

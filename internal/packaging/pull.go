package packaging

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PullPlatforms pulls a package by platform ("linux/amd64"): crossplane xpkg
// push of several Function packages makes an index of one image each; a
// single image is returned under its own platform.
func PullPlatforms(ref string) (map[string]v1.Image, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(r)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	out := map[string]v1.Image{}
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			return nil, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		out[cf.OS+"/"+cf.Architecture] = img
		return out, nil
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		if d.Platform == nil {
			return nil, fmt.Errorf("index entry %s has no platform", d.Digest)
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		p := d.Platform.OS + "/" + d.Platform.Architecture
		if _, dup := out[p]; dup {
			return nil, fmt.Errorf("index lists %s twice", p)
		}
		out[p] = img
	}
	return out, nil
}

// ExtractFile returns one file of an image's flattened filesystem.
func ExtractFile(img v1.Image, path string) ([]byte, error) {
	rc := mutate.Extract(img)
	defer rc.Close() //nolint:errcheck // read-only
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("no %s in the image", path)
		}
		if err != nil {
			return nil, err
		}
		if hdr.Name == path {
			return io.ReadAll(tr)
		}
	}
}

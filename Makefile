# Wharf: every target pairs with a script in hack/.
GO       ?= go
BIN      := bin/wharf
DATA_DIR ?= $(HOME)/.wharf
PKGS     := ./...

.PHONY: all build deps test unit e2e bench fuzz up down lint verify clean

all: build

deps:
	@hack/install-deps.sh

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/wharf
	$(GO) build -trimpath -o bin/wharf-container-logger ./cmd/wharf-container-logger

# test: installs what is missing, then runs every test: unit, integration
# (real embedded etcd) and end-to-end (the built binary, kubectl).
test: deps build
	hack/test.sh

unit:
	$(GO) test -count=1 $(PKGS)

e2e: build
	$(GO) test -count=1 -tags e2e ./hack/e2e/...

bench:
	hack/bench.sh

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 30s ./api/codec

# test-image: the e2e test image as OCI tarballs bin/images/wharf-test-{1,2}.tar
# (wharf.local/wharf-test:1 and :2); no Docker, no registry.
.PHONY: test-image
test-image:
	hack/build-test-image.sh bin/images

# up: containerd (started if not running), the test images imported, and
# `wharf up` (control plane + this machine as a node) in the background.
up: deps build test-image
	DATA_DIR=$(DATA_DIR) hack/up.sh

# down: stops wharf, removes what its node created (wharf cleanup), stops a
# containerd that up started; PURGE=1 also removes $(DATA_DIR).
down:
	DATA_DIR=$(DATA_DIR) hack/down.sh

lint verify:
	hack/verify.sh

clean:
	rm -rf bin

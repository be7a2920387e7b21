// Package container is a testcontainers-go module for the sfapi image
// (the Dockerfile at the repository root, built by scripts/build-image.sh or
// goreleaser): it starts `sfapi dev` in a container on a project folder,
// waits until it is ready and returns its endpoints, so tests in any
// language's testcontainers — or Go tests that want the binary as shipped —
// use sfapi through Docker.
//
//	c, err := container.Run(ctx, "sfapi:dev", container.WithProject("./gophers"))
//	defer testcontainers.TerminateContainer(c)
//	ep, err := c.Endpoints(ctx) // API, AWS and WS URLs on the host
//
// It follows the testcontainers module recipe: defaults, then the caller's
// options; Run returns the container along with any error so it can be
// terminated. It imports testcontainers-go and nothing of sfapi's
// internals but the endpoints file name.
package container

// composecheck loads a Compose file with the Compose Specification's reference loader
// (github.com/compose-spec/compose-go/v2, the loader of `docker compose`): schema validation,
// interpolation from the given env file only (not the caller's environment), merges,
// normalization and consistency checks. On success it prints the normalized project as JSON
// (what `docker compose config --format json` prints); on error it prints the loader's
// message to stderr and exits 1.
//
//	go run . ../../docker-compose.yml ../../deploy/docker/.env.example
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: composecheck COMPOSE_FILE ENV_FILE")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(
		[]string{os.Args[1]},
		cli.WithEnvFiles(os.Args[2]),
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(append(out, '\n'))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "composecheck:", err)
	os.Exit(1)
}

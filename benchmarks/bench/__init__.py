"""`make bench`: what managing N dispatch rules with Pulumi costs, beside two floors.

For each N (`--sizes`, default 1,10,100) and each operation (`pulumi up` creating all,
`pulumi preview` with no changes, `pulumi up` renaming all, `pulumi refresh`,
`pulumi destroy`) it times, interleaved in the same run, each side that stores rules on a local
livekit-server of its own:

- ours: benchmarks/programs/rules, N `DispatchRule`s (each with its own trunk ID);
- the engine floor: benchmarks/programs/noop, N no-op dynamic resources with the same
  inputs and lifecycle, so the engine, language host and dynamic-provider plugin do the
  same work minus LiveKit and our provider;
- the API floor: the same N creates/updates/reads/deletes sent one after the other with
  the official `livekit-api` SDK;
- our provider alone (for attribution): its check/diff/create/update/read/delete called
  in this process, one resource after the other, no engine;
- the plugin: the same N rules in a Pulumi YAML program (written with N resources) on
  `pulumi-resource-livekit`, and its floor, N no-op resources of benchmarks/programs/noop_plugin
  (a no-op provider plugin on the same SDK server) in a YAML program (`--sides` picks either part).

The first cycle of each N is a warm-up that also counts: our stack and the plugin's point at
a `FaultProxy` in front of their server, which counts requests per Twirp method; it also
yields the state size per resource (`pulumi stack export`) and whether `__provider` is
the same for every resource. The timed cycles talk to the server directly.

Output: one table on stdout and in benchmarks/results/<stamp>.md, the raw figures in
<stamp>.json, a plot in <stamp>.png, and a copy of the table in benchmarks/RESULTS.md
(`--no-results-md` leaves that alone).

The modules, from the bottom: `operations` (what is measured, where things are), `sampling` (the
processes a command started, from /proc), `sides` and `in_process` (the ways of doing the same work),
`measure` (the loop over cycles and operations), `figures`, `targets`, `report` and `plot` (the
report), `policy_pack` (a side: ours' preview with the policy pack), `profile` (`--profile`: the same
operations under py-spy), `servicers` (`--servicers`: each YAML side's plugin alone, its calls made in this process),
`cli` (the command line; benchmarks/run.py runs it).
"""

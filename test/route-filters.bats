#!/usr/bin/env bats
# Filters once: every kind of constraint of lib/route/route.c's table says of each
# model, from the route snapshot (its fits test), what its SQL says from the
# catalog.  Catalogs are generated (seeded, so a failure replays) with every
# shape of value a constraint looks at, and each kind's request from the
# table is asked alone and mixed with generated ones.

load helpers
bats_require_minimum_version 1.5.0

SEEDS=(1 2 3 4 5 6)
QUERIES_PER_SEED=70

setup() {
	setup_env
	export AFMTS_NOW=2026-11-23T12:00:00Z
}

# rules: "KIND<TAB>request" for each row of route.c's constraint table.
rules() {
	sed -n '/^} cond_rules\[C_NKINDS\] = {$/,/^};$/p' "$ROOT/lib/route/route.c" |
		sed -n 's/^	\[\(C_[A-Z_]*\)\] = { "\([^"]*\)",.*/\1	\2/p'
}

# kinds: the names of enum cond_kind but its count, one a line.
kinds() {
	sed -n '/^enum cond_kind {$/,/^};$/p' "$ROOT/lib/route/route.c" | grep -o 'C_[A-Z_]*' |
		grep -vx C_NKINDS
}

# generate SEED DIR N REQUEST...: DIR/models (a catalog's model records),
# DIR/removal (a later run that removes some of them) and DIR/queries
# (afmts-route arguments, tab separated, one query a line): each REQUEST
# (name=value&... as in the table) alone, all together, the longest request,
# and N generated ones, each with one REQUEST mixed in.
generate() {
	python3 - "$@" <<'EOF'
import json, random, sys

seed, out, queries_per_seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
examples = sys.argv[4:]
r = random.Random(seed)
at = "2026-11-23T00:00:00Z"

providers = ["groq", "openrouter", "nvidia", "z.lab_2", "9-cloud"]
# Ids shared between providers, and odd but valid ones.
ids = ["llama-3.1-8b-instant", "meta/llama-3.3-70b", "org/model:free",
    "Name With Spaces", " padded ", 'quote"d', "back\\slash", "a,b", "%41+x",
    "\u00fcn\u00efc\u00f6d\u00e9/\u6a21\u578b", "-dash", "x", "L" * 512, "tools"]
families = ["llama", "qwen", "gemma", "mistral", "deep-seek.v3", "Llama", "llama "]
features = ["tools", "vision", "json_mode", "reasoning", "tool", "tools-beta",
    'a","tools', "TOOLS"]
mods = ["text", "image", "audio", "video", "file", "text-to-speech", "Text"]
thresholds = [1, 1000, 32000, 128000, 128001, 200000, 100000000]
prices = [0, 0.02, 0.1, 0.5, 1, 2.5, 15, 1000000]
contexts = [0, 1, 4096, 32000, 128000, 131072, 1000000, 100000000]


def price():
    return r.choice(prices) if r.random() < 0.7 else round(r.uniform(0, 20), r.randint(0, 6))


def tiers():
    mins = sorted(r.sample(thresholds, r.randint(1, 4)))
    return [{"min_prompt_tokens": m, "input_price": price(), "output_price": price()}
        for m in mins]


def modalities():
    shape = r.randrange(6)
    pick = lambda: r.sample(mods, r.randint(0, 3))
    if shape == 0:
        return None
    if shape == 1:
        return {"input": pick()}
    if shape == 2:
        return {"output": pick()}
    if shape == 3:
        return {}
    return {"input": pick(), "output": pick()}


def model(provider, mid):
    m = {"type": "model", "provider": provider, "model": mid, "free": r.random() < 0.4,
        "base_url": "http://127.0.0.1:9/v1", "key_env": "K_" + str(r.randrange(3)),
        "observed_at": at}
    for key, p in (("input_price", 0.7), ("output_price", 0.7)):
        if r.random() < p:
            m[key] = price()
    if r.random() < 0.35:
        m["price_tiers"] = tiers()
    if r.random() < 0.8:
        m["context_length"] = r.choice(contexts)
    if (mo := modalities()) is not None:
        m["modalities"] = mo
    if r.random() < 0.7:
        m["features"] = r.sample(features, r.randint(0, 4))
    if r.random() < 0.8:
        m["family"] = r.choice(families)
    if r.random() < 0.2:
        m["limits"] = {"rpd": r.choice([10, 1000])}
    if r.random() < 0.8:
        m["trains_on_prompts"] = r.choice([True, False, "unknown"])
    return m


catalog = {}
for p in providers:
    own = r.sample(ids, r.randint(3, 8)) + [f"{p}-m{k}" for k in range(r.randint(4, 12))]
    catalog[p] = [model(p, mid) for mid in own]
with open(out + "/models", "w") as f:
    for p in providers:
        for m in catalog[p]:
            print(json.dumps(m), file=f)
# A later complete listing of one provider without its last three models.
gone = r.choice(providers)
with open(out + "/removal", "w") as f:
    kept = catalog[gone][:-3]
    for m in kept:
        print(json.dumps(m), file=f)
    print(json.dumps({"type": "provider", "provider": gone, "ok": True,
        "models": len(kept), "observed_at": "2026-11-23T01:00:00Z"}), file=f)

words = {
    "need": ["tools", "vision", "json_mode", "reasoning", "tool", "nonesuch"],
    "modality": ["text", "image", "audio", "file", "in:text", "in:image", "out:text",
        "out:image", "out:audio", "out:text-to-speech", "in:", "out:", "video"],
    "provider": providers + ["nonesuch"],
    "exclude_provider": providers + ["nonesuch"],
}
near = lambda xs: [x + d for x in xs for d in (-1, 0, 1) if x + d >= 0]
numbers = {
    "min_context": near(contexts),
    "prompt_tokens": near(thresholds),
    "max_price": prices + [0.3, 3, 20],
}
every_id = sorted({m["model"] for ms in catalog.values() for m in ms})


def value(name):
    if name in words:
        return ",".join(r.sample(words[name], r.randint(1, 3)))
    if name in numbers:
        return str(r.choice(numbers[name]))
    if name == "family":
        return r.choice(["llama", "qwen", "gemma", "mistral", "deep-seek.v3", "nonesuch"])
    if name == "model":
        return r.choice(every_id + ["nonesuch/model"])
    if name == "strategy":
        return r.choice(["cheapest", "least-used", "fastest", "free-first"])


flags = {"no_train"}


def options(request):
    args = []
    for pair in filter(None, request.split("&")):
        name, _, v = pair.partition("=")
        # A flag of afmts-route takes no value (no_train=1 is --no-train).
        args += ["--" + name.replace("_", "-")] + ([] if name in flags else [v])
    return args


names = list(words) + list(numbers) + ["family", "model"] + ["strategy"] * 2
queries = [options(e) for e in examples]
queries.append([a for e in examples for a in options(e)])
# The longest request: sixteen of each list, and every other constraint.
sixteen = lambda prefix: ",".join(f"{prefix}{k}" for k in range(15)) + ",groq"
queries.append(["--need", sixteen("n"), "--modality", sixteen("m"),
    "--provider", sixteen("p"), "--exclude-provider", sixteen("x"),
    "--model", "x", "--family", "llama", "--min-context", "5", "--max-price", "1",
    "--prompt-tokens", "7"])
for k in range(int(queries_per_seed)):
    q = []
    for name in r.sample(names, r.randint(1, 4)):
        q += ["--" + name.replace("_", "-"), value(name)]
    if examples:
        q += options(examples[k % len(examples)])
    queries.append(q)
with open(out + "/queries", "w") as f:
    for q in queries:
        print("\t".join(q + ["--all", "--count", "1000", "--format", "jsonl"]), file=f)
EOF
}

# agree QUERIES: for each query of the file QUERIES, the route snapshot
# alone answers as the catalog alone does, to the byte and the exit status,
# and the snapshot did answer.  Prints the differences and, last, how many
# queries found models; fails on the first difference.
agree() {
	python3 - "$1" <<'EOF'
import difflib, os, shlex, subprocess, sys


def route(how, args):
    env = dict(os.environ, AFMTS_ROUTE_SNAPSHOT=how)
    p = subprocess.run(["afmts-route"] + args, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    return p.stdout.decode("utf-8", "replace").splitlines() + [f"exit {p.returncode}"]


found = 0
with open(sys.argv[1]) as f:
    for line in f:
        args = line.rstrip("\n").split("\t")
        fast, slow = route("only", args), route("off", args)
        if fast != slow or fast[-1] == "exit 4":
            print("afmts-route", shlex.join(args))
            print("\n".join(list(difflib.unified_diff(slow, fast, "catalog", "snapshot",
                lineterm=""))[:20]) if fast != slow else "the snapshot could not answer")
            sys.exit(1)
        found += fast[-1] == "exit 0"
print(found)
EOF
}

@test "every kind of constraint has a row in route.c's table, with the request that makes it" {
	[ "$(kinds | wc -l)" -ge 11 ]
	diff <(kinds) <(rules | cut -f 1)
}

@test "the snapshot and the catalog agree on every kind of constraint, over generated catalogs" {
	local -a requests
	local seed dir queries=0 found=0 n
	mapfile -t requests < <(rules | cut -f 2)
	for seed in "${SEEDS[@]}"; do
		dir="$BATS_TEST_TMPDIR/$seed"
		mkdir -p "$dir"
		generate "$seed" "$dir" "$QUERIES_PER_SEED" "${requests[@]}"
		export AFMTS_DB="$dir/catalog.db"
		afmts-track --db "$AFMTS_DB" < "$dir/models" > /dev/null
		afmts-track --db "$AFMTS_DB" < "$dir/removal" > /dev/null
		[ "$(sqlite3 "$AFMTS_DB" "SELECT count(*) FROM models WHERE NOT present")" -eq 3 ]
		afmts-route --refresh
		n=$(agree "$dir/queries") || { echo "seed $seed: $n"; false; }
		found=$((found + n))
		queries=$((queries + $(wc -l < "$dir/queries")))
	done
	echo "# $queries queries over ${#SEEDS[@]} catalogs, $found answered with models" >&3
	# Not vacuous: many queries find models, many find none.
	[ "$found" -gt $((queries / 4)) ] && [ "$found" -lt $((queries * 3 / 4)) ]
}

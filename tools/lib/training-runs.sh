# training-runs.sh: what the table tools (results-table.sh, folds-kd.sh) share; sourced, not run. The caller sets
# runs (the run folders' parent), threads, jobs, epochs (empty: each config's own), PROG, a die function, and
# pld_command (an array; inside `bash -c` jobs, rebuilt from pld_command_string).

# A run is finished when metrics.jsonl holds its config's last epoch.
finished() {
    local run=$1 last
    [[ -f $run/config.yaml && -f $run/metrics.jsonl ]] || return 1
    last=$(awk '/^training:/{t=1} t && /^  epochs:/{print $2; exit}' "$run/config.yaml")
    grep -q "\"epoch\":$last," "$run/metrics.jsonl"
}

# train VERB CONFIG SEED [ARGS...]: trains runs/CONFIG-sSEED (runs/CONFIG-fold-K-sSEED where ARGS hold `--fold K`,
# as pld names it) with `pld VERB` (train-teacher or distill), resuming an unfinished run and skipping a finished one;
# logs to the run folder's name + .log.
train() {
    local verb=$1 config=$2 seed=$3
    shift 3
    local name i args=("$@")
    name=$(basename "$config" .yaml)
    for ((i = 0; i + 1 < ${#args[@]}; i++)); do [[ ${args[i]} == --fold ]] && name+=-fold-${args[i + 1]}; done
    local run=$runs/$name-s$seed
    finished "$run" && return 0
    local resume=()
    [[ -f $run/optimizer.state ]] && resume=(--resume)
    [[ -n $epochs ]] && resume+=(--epochs "$epochs")
    printf '%s: %s seed %s -> %s\n' "$PROG" "$verb" "$seed" "$run" >&2
    "${pld_command[@]}" --threads "$threads" "$verb" --config "$config" --seed "$seed" --output "$runs" "${resume[@]}" "$@" \
        >"$run.log" 2>&1 || die "$verb $config seed $seed failed; see $run.log"
}

# Runs the commands on stdin (one per line, each by `bash -c`), at most $jobs at once; a failed one stops the caller.
run_parallel() {
    local pids=() command
    while IFS= read -r command; do
        while ((${#pids[@]} >= jobs)); do
            wait -n || die "a run failed (see the .log files in $runs)"
            pids=($(jobs -pr))
        done
        bash -c "$command" &
        pids+=($!)
    done
    while ((${#pids[@]} > 0)); do
        wait -n || die "a run failed (see the .log files in $runs)"
        pids=($(jobs -pr))
    done
}

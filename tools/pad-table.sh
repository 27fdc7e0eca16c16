#!/usr/bin/env bash
# pad-table.sh: reproduce the PAD table of the README (issue 7). For every seed it aligns a fresh student with each
# configs/pad-*.yaml row on the paired corpus (pld pad), then scores every aligned student and the unaligned one on the
# intent corpus (pld slu), and prints one Markdown row per method: mean ± std over seeds of speech -> text retrieval on
# the paired test split and of intent accuracy on held-out voices (seen and unseen phrasings).
# Finished runs are kept in --runs and reused, so an interrupted table resumes.
set -euo pipefail

readonly PROG=pad-table
readonly PAD_ROWS="plain-global plain-local glob tlocal slocal"

usage() {
    cat <<EOF
Usage: tools/$PROG.sh --paired DIR --text-outputs DIR --intents DIR --runs DIR [--intent-text-outputs DIR]
                         [--seeds "1 2 3"] [--pld "dotnet run --project src/PLDistill.Cli -c Release --"] [--threads N]

  --paired DIR               paired corpus (tools/make-paired-corpus.sh)
  --text-outputs DIR         text-teacher outputs of the paired corpus (pld text-teacher export)
  --intents DIR              intent corpus (tools/make-paired-corpus.sh --intents)
  --intent-text-outputs DIR  text-teacher outputs of the intent corpus: adds the text side's own intent accuracy
  --runs DIR                 where runs and scores go (reused when present)
  --seeds LIST               seeds of the students and probes (default "1 2 3")
  --pld CMD                  how to run pld (default: dotnet run on src/PLDistill.Cli)
  --threads N                torch threads per run (default 1)
EOF
}

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 2; }

paired="" text="" intents="" intent_text="" runs="" seeds="1 2 3" threads=1
pld="dotnet run --project $(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)/src/PLDistill.Cli -c Release --"
while (($# > 0)); do
    case $1 in -h | --help) usage; exit 0 ;; esac
    (($# >= 2)) || die "$1 needs a value"
    case $1 in
        --paired) paired=$2 ;; --text-outputs) text=$2 ;; --intents) intents=$2 ;; --intent-text-outputs) intent_text=$2 ;;
        --runs) runs=$2 ;; --seeds) seeds=$2 ;; --pld) pld=$2 ;; --threads) threads=$2 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift 2
done
[[ -n $paired && -n $text && -n $intents && -n $runs ]] || { usage >&2; exit 2; }
configs=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../configs" && pwd -P)
mkdir -p -- "$runs"
read -r -a pld_command <<<"$pld"
slu_text=()
[[ -n $intent_text ]] && slu_text=(--text-outputs "$intent_text")

for seed in $seeds; do
    [[ -f $runs/none-s$seed.slu.json ]] ||
        "${pld_command[@]}" --threads "$threads" slu --intents "$intents" --seed "$seed" "${slu_text[@]}" --json "$runs/none-s$seed.slu.json" >&2
    for row in $PAD_ROWS; do
        run=$runs/$row-s$seed
        if [[ ! -f $run/pad.json ]]; then
            rm -rf -- "$run"
            "${pld_command[@]}" --threads "$threads" pad --config "$configs/pad-$row.yaml" --seed "$seed" --paired "$paired" \
                --text-outputs "$text" --output "$run" >&2
        fi
        [[ -f $run.slu.json ]] ||
            "${pld_command[@]}" --threads "$threads" slu --intents "$intents" --checkpoint "$run/student.pldckpt" --seed "$seed" \
                "${slu_text[@]}" --json "$run.slu.json" >&2
    done
done

# One Markdown row per method, mean ± std (sample) over the seeds.
RUNS=$runs ROWS="none $PAD_ROWS" SEEDS="$seeds" perl -I "$(dirname -- "${BASH_SOURCE[0]}")/lib" -MRunRecords -e '
    use strict; use warnings;
    my %title = (none => "no alignment", "plain-global" => "plain global", "plain-local" => "plain local (SPLAT-style)",
                 glob => "PAD-Glob", tlocal => "PAD-TLocal", slocal => "PAD-SLocal");
    sub record { slurp($_[0]) // die "$_[0]: missing or unreadable\n" }
    my @seeds = split " ", $ENV{SEEDS};
    my $text = "";
    print "| method | R\@1 % | R\@5 % | median rank | intent acc., seen phrasings % | intent acc., UNSEEN phrasings % |\n";
    print "|---|---|---|---|---|---|\n";
    for my $row (split " ", $ENV{ROWS}) {
        my (@r1, @r5, @rank, @seen, @unseen);
        for my $seed (@seeds) {
            my $slu = record("$ENV{RUNS}/$row-s$seed.slu.json")->{result};
            push @seen, 100 * $slu->{test_seen_accuracy};
            push @unseen, 100 * $slu->{test_unseen_accuracy};
            $text = sprintf "text teacher, same probe: seen %.1f %%, unseen %.1f %%\n", 100 * $slu->{text_test_seen_accuracy},
                100 * $slu->{text_test_unseen_accuracy} if defined $slu->{text_test_unseen_accuracy};
            # The unaligned student has no trained projection: its retrieval is the "before" of the same seed.
            my $r = $row eq "none" ? record("$ENV{RUNS}/glob-s$seed/pad.json")->{retrieval_before}
                                   : record("$ENV{RUNS}/$row-s$seed/pad.json")->{retrieval_after};
            push @r1, 100 * $r->{RecallAt1};
            push @r5, 100 * $r->{RecallAt5};
            push @rank, $r->{MedianRank};
        }
        printf "| %s | %s | %s | %s | %s | %s |\n", $title{$row}, map { summary(1, @$_) } \@r1, \@r5, \@rank, \@seen, \@unseen;
    }
    printf "\n%d seed(s): %s. %s", scalar @seeds, join(", ", @seeds), $text;
'

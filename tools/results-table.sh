#!/usr/bin/env bash
# results-table.sh: reproduce the results table of the README (issue 6). It trains the teacher's members
# (configs/teacher.yaml, one per --teacher-seeds) and joins them into the ensemble teacher (pld ensemble), then every
# student row (configs/student*.yaml) for each --seeds, distilling from that teacher; it scores the teacher and every
# best checkpoint on actors 17-20 in the 4-class view too (pld eval --labels 4), and prints one Markdown row per method:
# mean ± sample std over seeds of WA / UA / macro-F1 at the best epoch (selected on actors 17-20, as the issue asks),
# UA at the final epoch, and the 4-class UA. Finished runs are kept in --runs and reused, so an interrupted table
# resumes; --jobs N trains N runs side by side (one torch thread each by default). The teacher is written in half
# precision, as it is shipped, so that the shipped teacher reproduces every KD row. --teacher PATH distils from an
# existing ensemble instead (the shipped one: src/PLDistill.Cli/models/teacher/teacher.pldens) and scores its members.
set -euo pipefail

readonly PROG=results-table
readonly STUDENT_ROWS="student student-logit-kd student-fitnets student-ldist student-pdist-cka student-pdist-aw-cka student-pl-distill"

usage() {
    cat <<EOF
Usage: tools/$PROG.sh --runs DIR [--seeds "42 43 44"] [--teacher-seeds "1 2 3 4 5 6 7"] [--rows "student ..."]
                          [--jobs 1] [--threads 1] [--data DIR] [--pld "dotnet run --project src/PLDistill.Cli -c Release --"]
                          [--teacher PATH] [--epochs N] [--table-only]

  --runs DIR           where run folders go (reused when finished: a run is finished when its last.pldckpt's epoch is its last)
  --seeds LIST         student seeds (default "42 43 44")
  --teacher-seeds LIST seeds of the teacher's members (default "1 2 3 4 5 6 7": seven members, 7x the student)
  --teacher PATH       distil from this ensemble manifest (.pldens) instead of training one; its members are scored
                       alone for the members' row (best epoch only: their training logs are not in --runs)
  --rows LIST          student rows, config names without .yaml (default: all seven)
  --jobs N             runs trained side by side (default 1)
  --threads N          torch threads per run (default 1)
  --data DIR           RAVDESS root for the 4-class scoring (default: the shared copy, ../shared/data/ravdess)
  --pld CMD            how to run pld (default: dotnet run on src/PLDistill.Cli)
  --epochs N           override every config's training.epochs (a quick smoke run of the whole table)
  --table-only         train nothing; print the table from the runs that exist
EOF
}

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 2; }

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
runs="" seeds="42 43 44" teacher_seeds="1 2 3 4 5 6 7" given_teacher="" rows=$STUDENT_ROWS jobs=1 threads=1 table_only=0 epochs=""
data=${PLDISTILL_RAVDESS:-$root/../shared/data/ravdess}
pld="dotnet run --project $root/src/PLDistill.Cli -c Release --"
while (($# > 0)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --table-only) table_only=1; shift; continue ;;
    esac
    (($# >= 2)) || die "$1 needs a value"
    case $1 in
        --runs) runs=$2 ;; --seeds) seeds=$2 ;; --teacher-seeds) teacher_seeds=$2 ;; --teacher) given_teacher=$2 ;;
        --rows) rows=$2 ;; --jobs) jobs=$2 ;; --epochs) epochs=$2 ;; --threads) threads=$2 ;; --data) data=$2 ;; --pld) pld=$2 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift 2
done
[[ -n $runs ]] || { usage >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer, not '$jobs'"
for row in $rows; do [[ -f $root/configs/$row.yaml ]] || die "no config configs/$row.yaml for row '$row'"; done
mkdir -p -- "$runs"
runs=$(cd -- "$runs" && pwd -P)
read -r -a pld_command <<<"$pld"
teacher_checkpoint=$runs/teacher/teacher.pldens
members_scored=()   # with --teacher: the manifest's members, scored alone
if [[ -n $given_teacher ]]; then
    [[ -f $given_teacher ]] || die "no teacher manifest at '$given_teacher'"
    teacher_checkpoint=$(cd -- "$(dirname -- "$given_teacher")" && pwd -P)/$(basename -- "$given_teacher")
    teacher_seeds=""
    mapfile -t members_scored < <(perl -MJSON::PP -e 'local $/; print "$_\n" for @{decode_json(<STDIN>)->{members}}' <"$teacher_checkpoint")
    ((${#members_scored[@]} > 0)) || die "the teacher manifest '$given_teacher' lists no members"
fi
mkdir -p -- "$runs/teacher"
evaluation=$runs/evaluation-actors

# finished, train and run_parallel
source "$root/tools/lib/training-runs.sh"

if ((table_only == 0)); then
    export -f train finished die
    export runs threads PROG epochs
    export pld_command_string=$pld
    # Inside bash -c the array is rebuilt from the string.
    prelude='read -r -a pld_command <<<"$pld_command_string";'
    # First the teacher's members, and the rows that need no teacher beside them; then the ensemble; then the KD rows.
    {
        for seed in $teacher_seeds; do printf '%s\n' "$prelude train train-teacher $root/configs/teacher.yaml $seed"; done
        if [[ " $rows " == *" student "* ]]; then
            for seed in $seeds; do printf '%s\n' "$prelude train distill $root/configs/student.yaml $seed"; done
        fi
    } | run_parallel
    if [[ ! -f $teacher_checkpoint ]]; then
        members=()
        for seed in $teacher_seeds; do members+=("$runs/teacher-s$seed/best.pldckpt"); done
        "${pld_command[@]}" ensemble --output "$teacher_checkpoint" --precision Float16 "${members[@]}" >&2
    fi
    for seed in $seeds; do
        for row in $rows; do
            if [[ $row != student ]]; then
                printf '%s\n' "$prelude train distill $root/configs/$row.yaml $seed --teacher $teacher_checkpoint"
            fi
        done
    done | run_parallel

    # The teacher ensemble (8 and 4 classes) and the 4-class view of every best checkpoint, on actors 17-20.
    if [[ ! -d $evaluation ]]; then
        [[ -d $data ]] || die "no RAVDESS folder at $data (give --data)"
        mkdir -p -- "$evaluation"
        for actor in 17 18 19 20; do ln -sfn -- "$(cd -- "$data/Actor_$actor" && pwd -P)" "$evaluation/Actor_$actor"; done
    fi
    # score CHECKPOINT LABELS FILE: pld eval --json into FILE unless it exists; FILE is written whole or not at all.
    score() {
        [[ -f $3 ]] && return 0
        "${pld_command[@]}" --threads "$threads" eval --checkpoint "$1" --data "$evaluation" --labels "$2" --json >"$3.tmp" ||
            die "pld eval of $1 failed"
        mv -- "$3.tmp" "$3"
    }
    for labels in 8 4; do
        score "$teacher_checkpoint" "$labels" "$runs/teacher/eval-${labels}class.json"
        for member in "${members_scored[@]}"; do
            score "$(dirname -- "$teacher_checkpoint")/$member" "$labels" \
                "$runs/teacher/member-$(basename -- "$member" .pldckpt)-eval-${labels}class.json"
        done
    done
    # Only finished runs: an unfinished run's best checkpoint so far is not its best.
    for run in "$runs"/*-s*/; do
        run=${run%/}
        if finished "$run"; then score "$run/best.pldckpt" 4 "$run/eval-4class.json"; fi
    done
fi

# One Markdown row per method: mean ± std (sample) over the seeds whose run is finished.
RUNS=$runs ROWS="teacher $rows" SEEDS="$seeds" TEACHER_SEEDS="$teacher_seeds" GIVEN_TEACHER=$given_teacher perl -I "$root/tools/lib" -MRunRecords -e '
    use strict; use warnings;
    my %title = (teacher => "teacher members, each alone", student => "student without KD", "student-logit-kd" => "logits-only KD",
                 "student-fitnets" => "FitNets", "student-ldist" => "LDist (audio + text positions)",
                 "student-pdist-cka" => "PDist, plain CKA", "student-pdist-aw-cka" => "PDist, AwCKA",
                 "student-pl-distill" => "PL-Distill (LDist + AwCKA)",
                 # Sweep points of PL-Distill (alpha = beta = 1, tau = 2 unless named)
                 "student-pl-distill-tau1" => "PL-Distill, τ = 1", "student-pl-distill-tau4" => "PL-Distill, τ = 4",
                 "student-pl-distill-alpha-half" => "PL-Distill, α = 0.5", "student-pl-distill-beta3" => "PL-Distill, β = 3",
                 "student-pl-distill-online-teacher" => "PL-Distill, a teacher pass per augmented window (teacher_outputs: online)",
                 # The heavy recipe (every speed copy each epoch, batch 32, noise, two masks of each kind)
                 "heavy-student" => "student without KD, heavy recipe", "heavy-student-pdist-cka" => "PDist, plain CKA, heavy recipe",
                 "heavy-student-pl-distill" => "PL-Distill (LDist + AwCKA), heavy recipe",
                 # Heavy recipe, distilled from the born-again teacher (three heavy-student-pl-distill runs)
                 "born-again-student" => "PL-Distill from the born-again teacher",
                 "born-again-student-pdist-cka" => "PDist, plain CKA, from the born-again teacher",
                 # Heavy recipe, distilled from the seven-member born-again teacher (seven heavy-student-pl-distill runs)
                 "born-again-7-student" => "PL-Distill from the seven-member born-again teacher",
                 "born-again-7-student-pdist-cka" => "PDist, plain CKA, from the seven-member born-again teacher",
                 "born-again-7-student-60-epochs" => "PL-Distill from the seven-member born-again teacher, 60 epochs",
                 "born-again-7-student-pdist-cka-60-epochs" => "PDist, plain CKA, from the seven-member born-again teacher, 60 epochs",
                 "born-again-7-student-fitnets-60-epochs" => "FitNets from the seven-member born-again teacher, 60 epochs",
                 "born-again-7-student-100-epochs" => "PL-Distill from the seven-member born-again teacher, 100 epochs",
                 "born-again-7-student-60-epochs-ema" => "PL-Distill from the seven-member born-again teacher, 60 epochs, averaged weights (EMA 0.998)",
                 "born-again-7-student-60-epochs-dropout-0.2" => "PL-Distill from the seven-member born-again teacher, 60 epochs, dropout 0.2",
                 # The default recipe, distilled from a second-generation teacher (seven 60-epoch students of the same recipe)
                 "born-again-gen2-student" => "PL-Distill from the second-generation born-again teacher, 60 epochs",
                 # 5-fold by actor, student without KD (fold 5, actors 17-20, is "student")
                 "student-fold-1" => "student without KD, fold 1 (scored on actors 1-4)",
                 "student-fold-2" => "student without KD, fold 2 (actors 5-8)",
                 "student-fold-3" => "student without KD, fold 3 (actors 9-12)",
                 "student-fold-4" => "student without KD, fold 4 (actors 13-16)");
    # row TITLE SEEDS WA UA F1 FINAL FOUR: one Markdown line; the five are array references, one value per counted seed.
    sub row { my ($title, $seeds, @columns) = @_; printf "| %s | %s | %s |\n", $title, $seeds, join " | ", map { summary(1, @$_) } @columns }
    print "| row | seeds | best-epoch WA % | best-epoch UA % | best-epoch macro-F1 % | final-epoch UA % | 4-class UA % (best epoch) |\n";
    print "|---|---|---|---|---|---|---|\n";
    my ($eight, $four) = map { slurp("$ENV{RUNS}/teacher/eval-${_}class.json") } 8, 4;
    my @scored = sort glob "$ENV{RUNS}/teacher/member-*-eval-8class.json";   # with --teacher: each member scored alone
    my @members = split " ", $ENV{TEACHER_SEEDS};
    @members = map { s{.*/member-(.*)-eval-8class\.json$}{$1}r } @scored unless @members;
    printf "| teacher: ensemble of %d members | %s | %.1f | %.1f | %.1f | – | %.1f |\n", scalar @members, join(", ", @members),
        100 * $eight->{wa}, 100 * $eight->{ua}, 100 * $eight->{macro_f1}, 100 * $four->{ua} if $eight && $four;
    # With --teacher, the members row comes from scoring each member alone (their training logs are elsewhere).
    if ($ENV{GIVEN_TEACHER} ne "" && @scored) {
        my (@wa, @ua, @f1, @four, @names);
        for my $file (@scored) {
            my $eight = slurp($file) or next;
            (my $name = $file) =~ s{.*/member-(.*)-eval-8class\.json$}{$1};
            push @names, $name; push @wa, 100 * $eight->{wa}; push @ua, 100 * $eight->{ua}; push @f1, 100 * $eight->{macro_f1};
            (my $four_file = $file) =~ s/8class/4class/;
            my $four = slurp($four_file); push @four, 100 * $four->{ua} if $four;
        }
        row($title{teacher}, join(", ", @names), \@wa, \@ua, \@f1, [], \@four);
    }
    for my $row (split " ", $ENV{ROWS}) {
        next if $row eq "teacher" && $ENV{GIVEN_TEACHER} ne "";
        my (@wa, @ua, @f1, @final, @four, @done);
        for my $seed (split " ", $row eq "teacher" ? $ENV{TEACHER_SEEDS} : $ENV{SEEDS}) {
            my $run = best_epoch("$ENV{RUNS}/$row-s$seed") or next;
            # An unfinished run is named but not counted: its best epoch so far may not be its best.
            if (!$run->{finished}) { push @done, "$seed (epoch $run->{epochs}/$run->{planned}, not counted)"; next }
            push @done, $seed;
            push @wa, 100 * $run->{wa}; push @ua, 100 * $run->{ua}; push @f1, 100 * $run->{f1};
            push @final, 100 * $run->{final};
            push @four, 100 * $run->{four} if defined $run->{four};
        }
        row($title{$row} // $row, (@done ? join(", ", @done) : "not run"), \@wa, \@ua, \@f1, \@final, \@four);
    }
'

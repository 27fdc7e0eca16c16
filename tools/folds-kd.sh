#!/usr/bin/env bash
# folds-kd.sh: 5-fold by actor for the KD rows of the results table (issue 6). Fold K (1-4) scores on actors
# 4K-3..4K and trains on the other sixteen (`pld ... --fold K`); fold 5 is the table's split (actors 17-20). Each fold
# gets its own teacher, never trained on the fold's scoring actors: configs/teacher.yaml --fold K, one member per
# --members seed, joined by `pld ensemble`; fold 5's teacher is the shipped teacher's members with those seeds (they
# were trained on actors 1-16). From it, one student per row and fold (configs/student-ROW.yaml --fold K, --seed), in
# run folders named as before the --fold option existed (student-ROW-fold-K-sSEED). The student without KD comes from
# the committed fold runs (--no-kd, bench/results/folds). Everything is scored on the fold's own actors (8 classes from
# each run's best epoch, as the trainer selected it; 4 classes by `pld eval --labels 4`), and two Markdown tables are
# printed: UA per fold, and mean ± std over the folds per row. Finished runs in --runs are reused, so it resumes.
set -euo pipefail

readonly PROG=folds-kd
readonly KD_ROWS="logit-kd fitnets ldist pdist-cka pdist-aw-cka pl-distill"

usage() {
    cat <<EOF
Usage: tools/$PROG.sh [--runs runs/folds-kd] [--members "1 2 3"] [--seed 42] [--jobs 2] [--threads 1]
                      [--data DIR] [--no-kd bench/results/folds] [--pld CMD] [--epochs N] [--table-only]

  --runs DIR       where run folders, fold teachers and scores go (default runs/folds-kd; finished runs are reused)
  --members LIST   seeds of each fold teacher's members (default "1 2 3")
  --seed N         the students' seed (default 42, that of the committed no-KD fold runs)
  --jobs N         runs trained side by side (default 2)
  --threads N      torch threads per run (default 1)
  --data DIR       RAVDESS root (default: the shared copy, ../shared/data/ravdess)
  --no-kd DIR      finished no-KD fold runs (student-fold-K-sSEED, student-sSEED for fold 5; default bench/results/folds)
  --pld CMD        how to run pld (default: dotnet run on src/PLDistill.Cli)
  --epochs N       override every config's training.epochs (a quick smoke run of the whole)
  --table-only     train and score nothing; print the tables from what --runs holds
EOF
}

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 2; }

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
runs=runs/folds-kd members="1 2 3" seed=42 jobs=2 threads=1 table_only=0 epochs="" no_kd=$root/bench/results/folds
data=${PLDISTILL_RAVDESS:-$root/../shared/data/ravdess}
pld="dotnet run --project $root/src/PLDistill.Cli -c Release --"
while (($# > 0)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --table-only) table_only=1; shift; continue ;;
    esac
    (($# >= 2)) || die "$1 needs a value"
    case $1 in
        --runs) runs=$2 ;; --members) members=$2 ;; --seed) seed=$2 ;; --jobs) jobs=$2 ;; --threads) threads=$2 ;;
        --data) data=$2 ;; --no-kd) no_kd=$2 ;; --pld) pld=$2 ;; --epochs) epochs=$2 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift 2
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer, not '$jobs'"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, not '$seed'"
for member in $members; do [[ $member =~ ^[0-9]+$ ]] || die "--members must list integer seeds, not '$member'"; done
mkdir -p -- "$runs"
runs=$(cd -- "$runs" && pwd -P)
read -r -a pld_command <<<"$pld"

# The actors fold K scores on.
fold_actors() { local k=$1; seq $((4 * k - 3)) $((4 * k)); }

# finished, train and run_parallel
source "$root/tools/lib/training-runs.sh"

# teacher K: the fold's ensemble manifest, made once its members are finished (waiting for the jobs still training
# them); fold 5 joins the shipped teacher's members. Under a lock, so that two students of a fold make it once.
teacher() {
    local k=$1 manifest=$runs/teacher-fold-$1/teacher.pldens checkpoints=() member
    mkdir -p -- "$runs/teacher-fold-$k"
    (
        flock 9
        [[ -f $manifest ]] && exit 0
        for member in $members; do
            if ((k == 5)); then
                checkpoints+=("$root/src/PLDistill.Cli/models/teacher/teacher-$member.pldckpt")
            else
                local run=$runs/teacher-fold-$k-s$member
                until finished "$run"; do
                    [[ -f $run.failed ]] && die "teacher member $run failed"
                    sleep 20
                done
                checkpoints+=("$run/best.pldckpt")
            fi
        done
        "${pld_command[@]}" ensemble --output "$manifest" --precision Float16 "${checkpoints[@]}" >&2
    ) 9>"$runs/teacher-fold-$k/.lock"
    printf '%s\n' "$manifest"
}

member_job() { (train train-teacher "$root/configs/teacher.yaml" "$2" --fold "$1") || { touch "$runs/teacher-fold-$1-s$2.failed"; exit 2; }; }
student_job() { local manifest; manifest=$(teacher "$1"); train distill "$root/configs/student-$2.yaml" "$seed" --fold "$1" --teacher "$manifest"; }

if ((table_only == 0)); then
    [[ -d $data ]] || die "no RAVDESS folder at $data (give --data)"
    for k in 1 2 3 4 5; do
        if ((k == 5)); then no_kd_run=$no_kd/student-s$seed; else no_kd_run=$no_kd/student-fold-$k-s$seed; fi
        finished "$no_kd_run" || die "no finished no-KD run at $no_kd_run (train configs/student.yaml --fold $k, or give --no-kd)"
    done
    export -f train finished die teacher member_job student_job
    export runs threads PROG root members seed epochs pld_command_string=$pld
    prelude='read -r -a pld_command <<<"$pld_command_string";'
    # Members fold by fold; fold 5's students (whose teacher needs no training) after fold 1's members, and each other
    # fold's students after the next fold's members, so that they rarely wait for their teacher.
    {
        for step in members-1 students-5 members-2 students-1 members-3 students-2 members-4 students-3 students-4; do
            k=${step#*-}
            case $step in
                members-*) for member in $members; do printf '%s\n' "$prelude member_job $k $member"; done ;;
                students-*) for row in $KD_ROWS; do printf '%s\n' "$prelude student_job $k $row"; done ;;
            esac
        done
    } | run_parallel

    # Scores on each fold's own actors: the teacher (8 and 4 classes), its members alone (8), every student (4).
    score() {   # score CHECKPOINT K LABELS FILE: written whole or not at all
        [[ -f $4 ]] && return 0
        "${pld_command[@]}" --threads "$threads" eval --checkpoint "$1" --data "$runs/actors-fold-$2" --labels "$3" --json >"$4.tmp" ||
            die "pld eval of $1 failed"
        mv -- "$4.tmp" "$4"
    }
    for k in 1 2 3 4 5; do
        mkdir -p -- "$runs/actors-fold-$k"
        for actor in $(fold_actors "$k"); do
            name=$(printf 'Actor_%02d' "$actor")
            ln -sfn -- "$(cd -- "$data/$name" && pwd -P)" "$runs/actors-fold-$k/$name"
        done
        manifest=$runs/teacher-fold-$k/teacher.pldens
        for labels in 8 4; do score "$manifest" "$k" "$labels" "$runs/teacher-fold-$k/eval-${labels}class.json"; done
        for member in $members; do
            if ((k == 5)); then checkpoint=$root/src/PLDistill.Cli/models/teacher/teacher-$member.pldckpt
            else checkpoint=$runs/teacher-fold-$k-s$member/best.pldckpt; fi
            score "$checkpoint" "$k" 8 "$runs/teacher-fold-$k/member-$member-eval-8class.json"
        done
        for row in $KD_ROWS; do score "$runs/student-$row-fold-$k-s$seed/best.pldckpt" "$k" 4 "$runs/student-$row-fold-$k-s$seed/eval-4class.json"; done
    done
fi

# The tables: per fold, then mean ± sample std over the folds that are finished.
RUNS=$runs NO_KD=$no_kd SEED=$seed ROWS=$KD_ROWS perl -I "$root/tools/lib" -MRunRecords -e '
    use strict; use warnings;
    sub best { my $run = best_epoch($_[0]); $run && $run->{finished} ? $run : undef }   # unfinished: not counted
    sub cell { defined $_[0] ? sprintf("%.1f", 100 * $_[0]) : "–" }
    my $r = $ENV{RUNS}; my $s = $ENV{SEED};
    my %title = ("teacher" => "teacher (ensemble of the fold\x27s members)", "members" => "teacher members, each alone",
                 "no-kd" => "student without KD", "logit-kd" => "logits-only KD", "fitnets" => "FitNets",
                 "ldist" => "LDist (audio + text positions)", "pdist-cka" => "PDist, plain CKA", "pdist-aw-cka" => "PDist, AwCKA",
                 "pl-distill" => "PL-Distill (LDist + AwCKA)");
    my @rows = ("teacher", "members", "no-kd", split " ", $ENV{ROWS});
    my %scores;   # row -> fold -> { wa, ua, f1, final, four }
    for my $k (1 .. 5) {
        my $t8 = slurp("$r/teacher-fold-$k/eval-8class.json"); my $t4 = slurp("$r/teacher-fold-$k/eval-4class.json");
        $scores{teacher}{$k} = { wa => $t8->{wa}, ua => $t8->{ua}, f1 => $t8->{macro_f1}, four => $t4 ? $t4->{ua} : undef } if $t8;
        my @m = map { slurp($_) } sort glob "$r/teacher-fold-$k/member-*-eval-8class.json";
        $scores{members}{$k} = { map { my $key = $_; my $src = $key eq "f1" ? "macro_f1" : $key;
                                        ($key => (@m ? (eval { my $t = 0; $t += $_->{$src} / @m for @m; $t }) : undef)) } qw(wa ua f1) } if @m;
        $scores{"no-kd"}{$k} = best($k == 5 ? "$ENV{NO_KD}/student-s$s" : "$ENV{NO_KD}/student-fold-$k-s$s");
        for my $row (split " ", $ENV{ROWS}) { $scores{$row}{$k} = best("$r/student-$row-fold-$k-s$s") }
    }
    print "| fold (scored on actors) | ", join(" | ", map { "$title{$_} UA %" } @rows), " |\n";
    print "|---", "|---" x @rows, "|\n";
    my @span = ("", "01–04", "05–08", "09–12", "13–16", "17–20");
    for my $k (1 .. 5) { print "| $k ($span[$k]) | ", join(" | ", map { cell($scores{$_}{$k} && $scores{$_}{$k}{ua}) } @rows), " |\n" }
    print "\n| row | folds | WA % | UA % | macro-F1 % | final-epoch UA % | 4-class UA % |\n|---|---|---|---|---|---|---|\n";
    for my $row (@rows) {
        my @folds = grep { $scores{$row}{$_} } 1 .. 5;
        my @cols = map { my $c = $_; summary(100, map { $scores{$row}{$_}{$c} } @folds) } qw(wa ua f1 final four);
        $cols[3] = "–" if $row eq "teacher" || $row eq "members";
        print "| $title{$row} | ", (@folds ? join(", ", @folds) : "none"), " | ", join(" | ", @cols), " |\n";
    }
'

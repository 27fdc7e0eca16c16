#!/usr/bin/env bash
# make-paired-corpus.sh: build a SYNTHETIC paired speech/text corpus (issue 7) for aligning a speech model to a
# text model (PAD, arXiv 2303.03600). Real English sentences from Ambrose Bierce's "The Devil's Dictionary"
# (Debian package dict-devil, public domain) are spoken by espeak-ng (8 English accents x 32 voice variants)
# and flite (4 voices) at varied rates and pitches, saved as 16 kHz mono 16-bit WAV, and listed in manifest.jsonl.
# With --intents it makes the intent-classification (SLU) corpus instead: the spoken commands of
# tools/intent-commands.tsv, each with its intent and whether the classifier may train on its phrasing.
# The audio is never committed: the default output folder is outside the repository, and the script refuses an
# output folder inside a git work tree unless git ignores it.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/apt-install.sh"

readonly PROG=make-paired-corpus
readonly SOURCE_PACKAGE=dict-devil
readonly SOURCE_FILE=/usr/share/dictd/devil.dict.dz
readonly SAMPLE_RATE=16000
readonly DEFAULT_COUNT=1400       # ~5 s per utterance on average: about 2 hours of audio
readonly QUICK_COUNT=40
readonly MIN_WORDS=5 MAX_WORDS=28 MAX_CHARS=200
readonly MIN_RATE=130 MAX_RATE=210   # espeak-ng words per minute (its default is 175)
readonly MIN_PITCH=25 MAX_PITCH=75   # espeak-ng 0..99 scale (its default is 50)
readonly FLITE_SHARE=0.2             # fraction of utterances spoken by flite when it is enabled
readonly ESPEAK_ACCENTS="en-us en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-rp en-gb-x-gbcwmd en-029 en-us-nyc"
# Human-sounding variants only (no robots, whispers or croaks), 16 female and 17 male; splits hold out 2 + 2 each.
readonly ESPEAK_FEMALE="f1 f2 f3 f4 f5 Annie aunty belinda linda steph steph2 steph3 Alicia Andrea anika grandma"
readonly ESPEAK_MALE="m1 m2 m3 m4 m5 m6 m7 m8 Andy adam benjamin david edward max Michael paul robert"
readonly FLITE_VOICES="slt awb rms kal16"
readonly INTENT_COMMANDS="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/intent-commands.tsv"
# Utterances per command phrasing in each split (--intents): seen phrasings in every split, unseen ones only in test.
readonly INTENT_SEEN_TRAIN=8 INTENT_SEEN_VALID=2 INTENT_SEEN_TEST=2 INTENT_UNSEEN_TEST=5

usage() {
    cat <<EOF
Usage: tools/$PROG.sh [options]

Builds a synthetic paired speech/text corpus: real English sentences (The Devil's Dictionary, Debian package
$SOURCE_PACKAGE, public domain) synthesised with espeak-ng and flite in many voices, rates and pitches.

Output (in --out):
  wav/<id>.wav     16 kHz mono 16-bit PCM (espeak-ng's 22.05 kHz is resampled with sox)
  manifest.jsonl   one JSON object per utterance:
                   {"id","wav","text","voice","rate","pitch","speaker","split","seconds"}
  sentences.txt    the cleaned, deduplicated sentence pool
  plan.tsv         what each utterance will be; a rerun with the same settings resumes, different settings are refused
  SOURCE.txt       where the text comes from and its licence

Splits are speaker independent AND text independent: each voice variant (under every accent) and each flite
voice belongs to exactly one of train/valid/test, and so does each sentence. Sentences are reused (in other
voices) only when --count exceeds the pool (~1,430 sentences; 80% of them for train).
The text is satire from 1881-1911: sentences with ethnic slurs are dropped, but it stays cynical and dated.

With --intents, the commands of tools/intent-commands.tsv instead (intent, seen/unseen phrasing, text): every seen
phrasing in $INTENT_SEEN_TRAIN train, $INTENT_SEEN_VALID valid and $INTENT_SEEN_TEST test voices, every unseen phrasing in $INTENT_UNSEEN_TEST test voices (1,260 utterances);
manifest lines gain "intent" and "phrasing", ids start with "ic".

Options:
  -o, --out DIR      output folder (default: \$HOME/.cache/pldistill/paired-corpus; must not be a tracked part of a repo)
  -n, --count N      number of utterances (default: $DEFAULT_COUNT, about 2 hours of audio)
  -s, --seed N       seed for the deterministic selection (default: 1)
  -q, --quick        tiny corpus of $QUICK_COUNT utterances (unless --count is given)
      --intents      the intent-classification corpus of spoken commands (no --count or --quick)
  -j, --jobs N       parallel synthesis jobs (default: nproc)
      --no-flite     espeak-ng only
      --no-install   never run apt-get; fail if a tool or the text package is missing
      --force        discard an existing corpus in --out that was made with different settings
  -h, --help         this text

Exit codes: 2 usage, 3 missing dependency, 4 text source, 5 output folder, 6 synthesis.
Example: tools/$PROG.sh --quick --out /tmp/paired-quick
EOF
}

# Typed errors: "make-paired-corpus: <kind> error: <detail>", and an exit code per kind.
die() {
    local kind=$1 code
    shift
    case $kind in
        usage) code=2 ;; dependency) code=3 ;; source) code=4 ;; output) code=5 ;; synthesis) code=6 ;; *) code=1 ;;
    esac
    printf '%s: %s error: %s\n' "$PROG" "$kind" "$*" >&2
    [[ $kind == usage ]] && printf 'Try: tools/%s.sh --help\n' "$PROG" >&2
    exit "$code"
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# A whole number of at most 9 digits, read as decimal (bash would take "010" as octal).
as_uint() { [[ $1 =~ ^[0-9]{1,9}$ ]] && echo $((10#$1)); }

# ---------------------------------------------------------------------------------------------------- options
out="${HOME:-/tmp}/.cache/pldistill/paired-corpus"
count="" seed=1 quick=0 jobs="" use_flite=1 install=1 force=0 intents=0
while (($# > 0)); do
    case $1 in
        -o | --out) (($# >= 2)) || die usage "$1 needs a folder"; out=$2; shift 2 ;;
        -n | --count) (($# >= 2)) || die usage "$1 needs a number"; count=$2; shift 2 ;;
        -s | --seed) (($# >= 2)) || die usage "$1 needs a number"; seed=$2; shift 2 ;;
        -j | --jobs) (($# >= 2)) || die usage "$1 needs a number"; jobs=$2; shift 2 ;;
        -q | --quick) quick=1; shift ;;
        --intents) intents=1; shift ;;
        --no-flite) use_flite=0; shift ;;
        --no-install) install=0; shift ;;
        --force) force=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die usage "unknown argument '$1'" ;;
    esac
done
if ((intents)); then
    [[ -z $count ]] && ((!quick)) || die usage "--intents makes a fixed set of utterances: drop --count and --quick"
    [[ -r $INTENT_COMMANDS ]] || die source "the command list $INTENT_COMMANDS is missing"
    count=$(grep -cv '^#' -- "$INTENT_COMMANDS")
fi
[[ -n $count ]] || { ((quick)) && count=$QUICK_COUNT || count=$DEFAULT_COUNT; }
[[ -n $jobs ]] || jobs=$(nproc 2>/dev/null || echo 1)
n=$(as_uint "$count") && ((n >= 10 && n <= 999999)) || die usage "--count must be a whole number from 10 to 999999, got '$count'"
count=$n
n=$(as_uint "$seed") || die usage "--seed must be a whole number from 0 to 999999999, got '$seed'"
seed=$n
n=$(as_uint "$jobs") && ((n >= 1 && n <= 256)) || die usage "--jobs must be a whole number from 1 to 256, got '$jobs'"
jobs=$n
[[ -n $out ]] || die usage "--out must not be empty"

# ----------------------------------------------------------------------------------------------- dependencies
ensure_dependencies() {
    local -a missing=()
    command -v perl >/dev/null || missing+=(perl-base)
    command -v espeak-ng >/dev/null || missing+=(espeak-ng)
    command -v sox >/dev/null || missing+=(sox)
    ((use_flite)) && ! command -v flite >/dev/null && missing+=(flite)
    ((intents)) || [[ -r $SOURCE_FILE ]] || missing+=("$SOURCE_PACKAGE")
    ((${#missing[@]} == 0)) && return 0
    ((install)) || die dependency "missing Debian packages: ${missing[*]} (install them, or drop --no-install)"
    log "installing ${missing[*]} with apt-get"
    apt_install "${missing[@]}" || die dependency "could not install the missing Debian packages ${missing[*]} (see above)"
    ((intents)) || [[ -r $SOURCE_FILE ]] || die dependency "$SOURCE_PACKAGE is installed but $SOURCE_FILE is not there"
}

# Every espeak-ng variant we name must exist: espeak-ng silently ignores an unknown one.
check_variants() {
    local variants accents flite_voices v
    # Captured first: grep -q on a live pipe could end it early and trip pipefail.
    variants=$(espeak-ng --voices=variant | awk 'NR > 1 { sub(/^!v\//, "", $5); print $5 }')
    accents=$(espeak-ng --voices=en | awk 'NR > 1 { print $2 }')
    for v in $ESPEAK_FEMALE $ESPEAK_MALE; do
        grep -qxF -- "$v" <<<"$variants" || die dependency "espeak-ng has no voice variant '$v' (espeak-ng --voices=variant)"
    done
    for v in $ESPEAK_ACCENTS; do
        grep -qxF -- "$v" <<<"$accents" || die dependency "espeak-ng has no voice '$v' (espeak-ng --voices=en)"
    done
    if ((use_flite)); then
        flite_voices=$(flite -lv | tr ' ' '\n')
        for v in $FLITE_VOICES; do
            grep -qxF -- "$v" <<<"$flite_voices" || die dependency "flite has no voice '$v' (flite -lv)"
        done
    fi
}

# --------------------------------------------------------------------------------------------- output folder
prepare_output() {
    # Audio must never be committed: inside a git work tree the folder has to be ignored. Checked before anything
    # is created, from the nearest folder that exists.
    local existing=$out
    while [[ ! -d $existing ]]; do existing=$(dirname -- "$existing"); done
    if command -v git >/dev/null && git -C "$existing" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        local rest="" absolute
        [[ $existing != "$out" ]] && rest=${out#"$existing"}
        rest=${rest#/}
        absolute=$(cd -- "$existing" && pwd -P)${rest:+/$rest}
        git -C "$existing" check-ignore -q --no-index -- "$absolute" ||
            die output "'$out' is inside the git work tree $(git -C "$existing" rev-parse --show-toplevel) and not ignored: choose a folder outside it or add it to .gitignore"
    fi
    mkdir -p -- "$out" || die output "cannot create '$out'"
    out=$(cd -- "$out" && pwd -P)
    [[ -w $out ]] || die output "'$out' is not writable"
    mkdir -p -- "$out/wav" "$out/tmp"
}

# ------------------------------------------------------------------------------------------------ sentences
# Paragraphs of the dictionary; indented lines (verse, quoted letters, attributions) are dropped, headwords and
# parts of speech ("ABSOLUTE, adj.") and bracketed etymologies removed, then the prose is split into sentences
# (not inside double quotes), normalised to ASCII, filtered by length and character set, and deduplicated.
extract_sentences() {
    zcat -- "$SOURCE_FILE" | env MIN_WORDS="$MIN_WORDS" MAX_WORDS="$MAX_WORDS" MAX_CHARS="$MAX_CHARS" perl -e '
        use strict; use warnings;
        my ($min_words, $max_words, $max_chars) = @ENV{qw(MIN_WORDS MAX_WORDS MAX_CHARS)};
        local $/; my $all = <STDIN>;
        utf8::decode($all);
        # ASCII normalisation of typographic punctuation and Latin-1 letters; anything else is filtered below.
        my %map = ("\x{2018}" => "\x27", "\x{2019}" => "\x27", "\x{201C}" => "\"", "\x{201D}" => "\"",
                   "\x{2013}" => "--", "\x{2014}" => "--", "\x{2026}" => "...", "\x{A0}" => " ",
                   "\x{C6}" => "Ae", "\x{E6}" => "ae", "\x{152}" => "Oe", "\x{153}" => "oe", "\x{DF}" => "ss");
        $all =~ s/([^\x00-\x7F])/exists $map{$1} ? $map{$1} : $1/ge;
        $all =~ tr/\x{C0}-\x{C5}\x{C7}-\x{CF}\x{D1}-\x{D6}\x{D9}-\x{DD}\x{E0}-\x{E5}\x{E7}-\x{EF}\x{F1}-\x{F6}\x{F9}-\x{FD}\x{FF}/AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyy/;
        $all =~ s/\r//g;
        # Only the book: the dictd headers and the Internet Wiretap notice come before the PREFACE heading.
        $all =~ s/\A.*?^[ \t]*PREFACE[ \t]*$//ms or die "no PREFACE heading: the text is not the expected edition\n";
        # Bierce wrote in 1881-1906; sentences with ethnic or racial slurs (and his antisemitic jokes) are left out.
        my $blocked = qr/\b(?:nigger|negro|darke?y|darkies|coons?|chinam[ae]n|chinks?|japs?|squaws?|injuns?|redskins?|wops?|dagoe?s?|kikes?|jews?|jewish|hebrews?|shebrews?|mahometans?|hottentots?)\b/i;
        my (%seen, %dropped, $kept);
        for my $para (split /\n[ \t]*\n/, $all) {
            next if $para =~ /^00-database/ || $para =~ m{https?://|\@};
            my $text = join " ", grep { !/^\s/ } split /\n/, $para;
            next if $text eq "";
            $text =~ s/^[A-Z][A-Z0-9\x27\- ]*(?:\([^)]*\))?,\s*(?:[a-z]{1,4}\.\s*)+//;
            $text =~ s/\[[^\]]*\]//g;
            $text =~ s/[{}_]//g;
            $text =~ s/\s*--\s*/, /g;
            $text =~ s/\s+/ /g; $text =~ s/^ | $//g;
            $text =~ s/(\w)- (?=\w)/$1-/g;   # a compound word broken at its hyphen across two lines
            # Split after . ! ? (and a closing quote) followed by a capital, but never inside double quotes.
            my @sentences; my $current = ""; my $quoted;
            while ($text =~ /\G(.*?)([.!?]"?)(?:\s+(?=["\x27]?[A-Z])|$)|\G(.+)$/gc) {
                my $piece = defined $3 ? $3 : "$1$2";
                $current .= ($current eq "" ? "" : " ") . $piece;
                $quoted = ($current =~ tr/"//) % 2;
                next if $quoted && !defined $3;
                push @sentences, $current; $current = "";
            }
            push @sentences, $current if $current ne "";
            for my $s (@sentences) {
                $s =~ s/^\s+|\s+$//g;
                my $words = () = $s =~ /\S+/g;
                if ($s !~ /^["\x27]?[A-Z][A-Za-z0-9 ,;:\x27"!?.\-]*[.!?]"?$/) { $dropped{"characters or shape"}++; next }
                if ($words < $min_words || $words > $max_words || length $s > $max_chars) { $dropped{length}++; next }
                if ($s =~ /\b(?:Mr|Mrs|Dr|St|Messrs|Mt|Gen|Col|Rev|Prof|viz|etc|cf|vs|No|[A-Z])\.$/) { $dropped{"ends in an abbreviation"}++; next }
                if ($s =~ /\b[A-Z]{4,}\b/) { $dropped{"headword in capitals"}++; next }
                if (($s =~ tr/"//) % 2) { $dropped{"unbalanced quotes"}++; next }
                if ($s =~ $blocked) { $dropped{"slur or ethnic joke"}++; next }
                (my $key = lc $s) =~ s/[^a-z0-9]+/ /g;
                if ($seen{$key}++) { $dropped{duplicate}++; next }
                print "$s\n"; $kept++;
            }
        }
        printf STDERR "make-paired-corpus: %d sentences kept; dropped: %s\n", $kept // 0,
            join(", ", map { "$dropped{$_} $_" } sort keys %dropped);
    ' >"$out/sentences.txt.new" || die source "could not extract sentences from $SOURCE_FILE"
    local n
    n=$(wc -l <"$out/sentences.txt.new")
    ((n >= 100)) || die source "only $n usable sentences in $SOURCE_FILE (expected well over 1000)"
}

# ------------------------------------------------------------------------------------------------------ plan
# Deterministic for a given seed, sentence list and option set (perl's rand is drand48 on Linux since 5.20).
# Columns: id split engine voice speaker rate pitch text, and with --intents also intent and phrasing.
# Shared start of both plan programs (perl): the seeded voice split and draw(SPLIT), one utterance's engine, voice, rate
# and pitch. The draws happen in a fixed order, so a plan is byte-identical for the same seed and settings.
readonly PLAN_PRELUDE='
    use strict; use warnings;
    srand($ENV{SEED});
    sub shuffled { my @a = @_; for (my $i = $#a; $i > 0; $i--) { my $j = int rand($i + 1); @a[$i, $j] = @a[$j, $i] } @a }
    sub pick { $_[int rand @_] }
    my @accents = split " ", $ENV{ACCENTS};
    my @female = shuffled(split " ", $ENV{FEMALE});
    my @male = shuffled(split " ", $ENV{MALE});
    my @flite = shuffled(split " ", $ENV{FLITE});
    # A variant is held out under every accent, so test (and valid) timbres are never heard in training.
    my %timbres = (test => [@female[0, 1], @male[0, 1]], valid => [@female[2, 3], @male[2, 3]],
                   train => [@female[4 .. $#female], @male[4 .. $#male]]);
    my %flite = (test => [$flite[0]], valid => [$flite[1]], train => [@flite[2 .. $#flite]]);
    my ($rate_lo, $rate_hi) = split " ", $ENV{RATES};
    my ($pitch_lo, $pitch_hi) = split " ", $ENV{PITCHES};
    sub draw {
        my ($split) = @_;
        my $by_flite = rand() < $ENV{FLITE_SHARE};
        my $rate = $rate_lo + int rand($rate_hi - $rate_lo + 1);
        my $pitch = $pitch_lo + int rand($pitch_hi - $pitch_lo + 1);
        return ("flite", pick(@{$flite{$split}}), $rate, $pitch) if $ENV{USE_FLITE} && $by_flite;
        return ("espeak", pick(@accents) . "+" . pick(@{$timbres{$split}}), $rate, $pitch);
    }
'

# Runs a plan program after the prelude, with the voice settings in its environment.
plan_with() {
    env SEED="$seed" USE_FLITE="$use_flite" FLITE_SHARE="$FLITE_SHARE" ACCENTS="$ESPEAK_ACCENTS" \
        FEMALE="$ESPEAK_FEMALE" MALE="$ESPEAK_MALE" FLITE="$FLITE_VOICES" \
        RATES="$MIN_RATE $MAX_RATE" PITCHES="$MIN_PITCH $MAX_PITCH" perl -e "$PLAN_PRELUDE$1"
}

# The sentence pool shuffled and cut into test, valid and train tenths; each utterance takes its split's next sentence.
plan_sentences() {
    COUNT=$count plan_with '
        my @sentences = <STDIN>; chomp @sentences;
        @sentences = shuffled(@sentences);
        my $n = $ENV{COUNT};
        my ($n_test, $n_valid) = (int($n / 10 + 0.5), int($n / 10 + 0.5));
        my $s_tenth = int(@sentences / 10);
        my %pool = (test => [@sentences[0 .. $s_tenth - 1]], valid => [@sentences[$s_tenth .. 2 * $s_tenth - 1]],
                    train => [@sentences[2 * $s_tenth .. $#sentences]]);
        my @splits = shuffled(("test") x $n_test, ("valid") x $n_valid, ("train") x ($n - $n_test - $n_valid));
        my %used;
        for my $i (0 .. $n - 1) {
            my $split = $splits[$i];
            my $text = $pool{$split}[$used{$split}++ % @{$pool{$split}}];
            my ($engine, $voice, $rate, $pitch) = draw($split);
            printf "pc%06d\t%s\t%s\t%s\t%s:%s\t%d\t%d\t%s\n", $i + 1, $split, $engine, $voice, $engine, $voice, $rate, $pitch, $text;
        }
    ' <"$out/sentences.txt.new" >"$out/plan.tsv.new" || die output "could not write $out/plan.tsv.new"
}

# The commands in the voices of their split: seen phrasings in train, valid and test voices, unseen ones in test voices
# only; voices are held out exactly as for sentences.
plan_intents() {
    grep -v '^#' -- "$INTENT_COMMANDS" | awk -F'\t' 'NF != 3 || ($2 != "seen" && $2 != "unseen") { exit 1 }' ||
        die source "$INTENT_COMMANDS: every line must be 'intent<TAB>seen|unseen<TAB>text'"
    grep -v '^#' -- "$INTENT_COMMANDS" | cut -f3 >"$out/sentences.txt.new"
    PER_SEEN="$INTENT_SEEN_TRAIN $INTENT_SEEN_VALID $INTENT_SEEN_TEST" PER_UNSEEN="$INTENT_UNSEEN_TEST" plan_with '
        my ($per_train, $per_valid, $per_test) = split " ", $ENV{PER_SEEN};
        my $i = 0;
        while (my $line = <STDIN>) {
            next if $line =~ /^#/;
            chomp $line;
            my ($intent, $phrasing, $text) = split /\t/, $line;
            my @splits = $phrasing eq "seen" ? ((("train") x $per_train), (("valid") x $per_valid), (("test") x $per_test))
                                             : (("test") x $ENV{PER_UNSEEN});
            for my $split (@splits) {
                my ($engine, $voice, $rate, $pitch) = draw($split);
                printf "ic%06d\t%s\t%s\t%s\t%s:%s\t%d\t%d\t%s\t%s\t%s\n", ++$i, $split, $engine, $voice, $engine, $voice, $rate, $pitch,
                    $text, $intent, $phrasing;
            }
        }
    ' <"$INTENT_COMMANDS" >"$out/plan.tsv.new" || die output "could not write $out/plan.tsv.new"
}

make_plan() {
    if ((intents)); then plan_intents; else plan_sentences; fi
    if [[ -e $out/plan.tsv ]] && ! cmp -s "$out/plan.tsv" "$out/plan.tsv.new"; then
        if ((force)); then
            log "--force: discarding the corpus in $out made with other settings"
            rm -f -- "$out"/wav/*.wav "$out/manifest.jsonl"
        else
            rm -f -- "$out/plan.tsv.new" "$out/sentences.txt.new"
            die output "$out holds a corpus made with other settings (count, seed, voices or sentences differ): use another --out, or --force to replace it"
        fi
    fi
    mv -f -- "$out/sentences.txt.new" "$out/sentences.txt"
    mv -f -- "$out/plan.tsv.new" "$out/plan.tsv"
}

# ------------------------------------------------------------------------------------------------- synthesis
# One utterance: engine -> temporary WAV -> sox to 16 kHz mono 16-bit -> atomic rename, so an interrupted run
# never leaves a half-written wav/<id>.wav and a rerun only makes what is missing. sox -R seeds its dither, so the
# same plan gives byte-identical files.
synth_one() {
    local id split engine voice speaker rate pitch text labels
    IFS=$'\t' read -r id split engine voice speaker rate pitch text labels <<<"$1"
    local tmp="$OUT_DIR/tmp/$id" final="$OUT_DIR/wav/$id.wav"
    local -a effects=()
    fail() { echo "make-paired-corpus: synthesis error: $id ($speaker): $*" >&2; rm -f -- "$tmp".*; return 1; }
    case $engine in
        espeak)
            printf '%s\n' "$text" | espeak-ng --stdin -v "$voice" -s "$rate" -p "$pitch" -w "$tmp.raw.wav" ||
                { fail "espeak-ng failed"; return 1; }
            ;;
        flite)
            # flite has no portable pitch control (rms ignores int_f0_target_mean): rate via duration_stretch,
            # pitch via sox, 8 cents per step of the espeak-ng scale (25..75 -> -200..+200 cents).
            printf '%s\n' "$text" >"$tmp.txt" || { fail "cannot write $tmp.txt"; return 1; }
            flite -voice "$voice" --setf duration_stretch="$(awk -v r="$rate" 'BEGIN { printf "%.4f", 175 / r }')" \
                -f "$tmp.txt" -o "$tmp.raw.wav" || { fail "flite failed"; return 1; }
            ((pitch == 50)) || effects=(pitch "$(((pitch - 50) * 8))")
            ;;
        *) fail "unknown engine '$engine'"; return 1 ;;
    esac
    [[ -s $tmp.raw.wav ]] || { fail "$engine wrote no audio"; return 1; }
    sox -R -V1 "$tmp.raw.wav" -r "$SAMPLE_RATE_HZ" -c 1 -b 16 -e signed-integer "$tmp.part.wav" "${effects[@]}" ||
        { fail "sox could not convert the audio"; return 1; }
    mv -f -- "$tmp.part.wav" "$final" || { fail "cannot move the audio to $final"; return 1; }
    rm -f -- "$tmp".*
}

synthesise() {
    local todo=$out/tmp/todo.tsv
    awk -F'\t' -v dir="$out/wav" '{ f = dir "/" $1 ".wav"; if ((getline line < f) < 0) print; else close(f) }' \
        "$out/plan.tsv" >"$todo"
    local n_todo
    n_todo=$(wc -l <"$todo")
    if ((n_todo == 0)); then
        log "all $count utterances already synthesised"
        return 0
    fi
    log "synthesising $n_todo of $count utterances with $jobs jobs"
    export -f synth_one
    export OUT_DIR=$out SAMPLE_RATE_HZ=$SAMPLE_RATE
    # With -d '\n' each plan line is one argument, taken literally (no quote processing).
    if ! xargs -d '\n' -P "$jobs" -n 1 bash -c 'synth_one "$1"' _ <"$todo"; then
        die synthesis "some utterances failed (see above); rerun to retry only the missing ones"
    fi
    rm -f -- "$todo"
}

# -------------------------------------------------------------------------------------------------- manifest
write_manifest() {
    perl -e '
        use strict; use warnings;
        my ($dir) = @ARGV;
        my (%seconds, %speakers, %count, $total);
        open my $plan, "<", "$dir/plan.tsv" or die "plan.tsv: $!\n";
        open my $out, ">", "$dir/manifest.jsonl.part" or die "manifest.jsonl.part: $!\n";
        sub json { my $s = shift; $s =~ s/(["\\])/\\$1/g; "\"$s\"" }
        while (my $line = <$plan>) {
            chomp $line;
            my ($id, $split, $engine, $voice, $speaker, $rate, $pitch, $text, $intent, $phrasing) = split /\t/, $line, 10;
            my $wav = "wav/$id.wav";
            open my $fh, "<:raw", "$dir/$wav" or die "$wav: $!\n";
            my ($head, $chunk, $fmt, $byte_rate, $data);
            read $fh, $head, 12;
            die "$wav: not RIFF/WAVE\n" unless length $head == 12 && substr($head, 0, 4) eq "RIFF" && substr($head, 8, 4) eq "WAVE";
            while (read($fh, $chunk, 8) == 8) {
                my ($name, $size) = unpack "a4 V", $chunk;
                if ($name eq "fmt ") { read $fh, $fmt, $size; $byte_rate = unpack "x8 V", $fmt; }
                elsif ($name eq "data") { $data = $size; last }
                else { seek $fh, $size + ($size % 2), 1 }
            }
            close $fh;
            die "$wav: no fmt or data chunk\n" unless $byte_rate && defined $data;
            my $sec = $data / $byte_rate;
            $total += $sec; $count{$split}++; $seconds{$split} += $sec; $speakers{$split}{$speaker} = 1;
            my $labels = defined $phrasing ? sprintf(",\"intent\":%s,\"phrasing\":%s", json($intent), json($phrasing)) : "";
            printf $out "{\"id\":%s,\"wav\":%s,\"text\":%s,\"voice\":%s,\"rate\":%d,\"pitch\":%d,\"speaker\":%s,\"split\":%s,\"seconds\":%.3f%s}\n",
                json($id), json($wav), json($text), json($voice), $rate, $pitch, json($speaker), json($split), $sec, $labels;
        }
        close $out or die "manifest.jsonl.part: $!\n";
        for my $split (qw(train valid test)) {
            printf STDERR "make-paired-corpus: %-5s %5d utterances, %7.1f min, %3d speakers\n", $split,
                $count{$split} // 0, ($seconds{$split} // 0) / 60, scalar keys %{$speakers{$split} // {}};
        }
        printf STDERR "make-paired-corpus: total %.2f hours of audio\n", $total / 3600;
    ' "$out" || die synthesis "could not write $out/manifest.jsonl"
    mv -f -- "$out/manifest.jsonl.part" "$out/manifest.jsonl"
}

write_source_note() {
    cat >"$out/SOURCE.txt" <<EOF
SYNTHETIC paired speech/text corpus made by tools/$PROG.sh (PLDistill.Streaming, issue 7).
$( ((intents)) && echo "Text: the spoken commands of tools/intent-commands.tsv (written for this project), with intents." ||
   printf '%s\n%s' "Text: \"The Devil's Dictionary\" by Ambrose Bierce (1911), from the Debian package $SOURCE_PACKAGE" \
          "($SOURCE_FILE). Public domain: copyright expired (see /usr/share/doc/$SOURCE_PACKAGE/copyright).")
Speech: espeak-ng $(espeak-ng --version | awk '{ print $4; exit }')$( ((use_flite)) && echo " and flite $(dpkg-query -W -f='${Version}' flite 2>/dev/null || echo '?')"), resampled to $SAMPLE_RATE Hz mono 16-bit by sox.
Settings: count=$count seed=$seed flite=$use_flite intents=$intents
Do not commit this folder.
EOF
}

main() {
    local started=$SECONDS
    ensure_dependencies
    check_variants
    prepare_output
    log "output: $out (count $count, seed $seed, flite $use_flite)"
    ((intents)) || extract_sentences
    make_plan
    ((intents)) && count=$(wc -l <"$out/plan.tsv")
    local synth_started=$SECONDS
    synthesise
    local synth_seconds=$((SECONDS - synth_started))
    write_manifest
    write_source_note
    rmdir -- "$out/tmp" 2>/dev/null || true
    log "done in $((SECONDS - started)) s (synthesis $synth_seconds s, $jobs jobs): $out/manifest.jsonl"
}

main

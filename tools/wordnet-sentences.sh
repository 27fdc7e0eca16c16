#!/usr/bin/env bash
# wordnet-sentences.sh: English sentences about word meanings from WordNet 3.0 (Debian package dict-wn), for training
# the in-project text teacher (pld text-teacher train --corpus-text FILE). For every headword that occurs in the given
# corpora, each sense becomes "<Word> means <gloss>.", its quoted usage examples become sentences of their own, and its
# synonyms "<Word> is like <syn>, <syn>.". That puts words of like meaning into like contexts, which a masked language
# model trained on The Devil's Dictionary alone (about 61,000 words) never sees.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/apt-install.sh"

readonly PROG=wordnet-sentences
readonly PACKAGE=dict-wn
readonly SOURCE_FILE=/usr/share/dictd/wn.dict.dz

usage() {
    cat <<EOF
Usage: tools/$PROG.sh --out FILE --words-from CORPUS [--words-from CORPUS ...] [--no-install]

  --out FILE           the sentences, one per line (plain text)
  --words-from CORPUS  a corpus folder (or manifest.jsonl) of tools/make-paired-corpus.sh: the words of its texts pick
                       the WordNet entries (repeatable)
  --no-install         never run apt-get; fail if $PACKAGE is missing

WordNet 3.0 is Princeton University's lexical database, under the WordNet licence (free use with its copyright notice;
see /usr/share/doc/$PACKAGE/copyright). Exit codes: 2 usage, 3 missing dependency, 4 source, 5 output.
EOF
}

die() {
    local kind=$1 code
    shift
    case $kind in usage) code=2 ;; dependency) code=3 ;; source) code=4 ;; output) code=5 ;; *) code=1 ;; esac
    printf '%s: %s error: %s\n' "$PROG" "$kind" "$*" >&2
    exit "$code"
}

out="" install=1
corpora=()
while (($# > 0)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --out) (($# >= 2)) || die usage "$1 needs a file"; out=$2; shift 2 ;;
        --words-from) (($# >= 2)) || die usage "$1 needs a corpus"; corpora+=("$2"); shift 2 ;;
        --no-install) install=0; shift ;;
        *) die usage "unknown argument '$1' (see --help)" ;;
    esac
done
[[ -n $out ]] || die usage "--out is required"
((${#corpora[@]} > 0)) || die usage "at least one --words-from CORPUS is required"

manifests=()
for corpus in "${corpora[@]}"; do
    manifest=$corpus
    [[ -d $corpus ]] && manifest=$corpus/manifest.jsonl
    [[ -r $manifest ]] || die source "no readable manifest at '$manifest'"
    manifests+=("$manifest")
done

if [[ ! -r $SOURCE_FILE ]]; then
    ((install)) || die dependency "$SOURCE_FILE is missing: install the Debian package $PACKAGE, or drop --no-install"
    printf '%s: installing %s with apt-get\n' "$PROG" "$PACKAGE" >&2
    apt_install "$PACKAGE" || die dependency "could not install the Debian package $PACKAGE (see above)"
    [[ -r $SOURCE_FILE ]] || die dependency "$PACKAGE is installed but $SOURCE_FILE is not there"
fi

words=$(mktemp)
trap 'rm -f -- "$words" "$out.part"' EXIT
# The lower-case words of every "text" field.
perl -MJSON::PP -ne 'my $t = eval { decode_json($_)->{text} } // next; print lc($1), "\n" while $t =~ /([A-Za-z]+)/g' \
    "${manifests[@]}" | sort -u >"$words"

zcat -- "$SOURCE_FILE" | perl -e '
    use strict; use warnings;
    my %want; open my $w, "<", $ARGV[0] or die "$ARGV[0]: $!\n"; while (<$w>) { chomp; $want{$_} = 1 } close $w;
    # dictd layout: a headword at column 0, then its indented senses ("n 1: gloss; \"example\" [syn: {a}, {b}]", "2: ...").
    my (@entries, $current);
    while (my $line = <STDIN>) {
        if ($line =~ /^(\S.*?)\s*$/) { $current = [$1, ""]; push @entries, $current }
        elsif ($current) { $current->[1] .= $line }
    }
    my ($used, $sentences) = (0, 0);
    for my $entry (@entries) {
        my ($head, $body) = @$entry;
        next unless $head =~ /^[a-z]+$/ && $want{$head};
        $used++;
        $body =~ s/\s+/ /g;
        for my $sense (split /\s(?=(?:(?:n|v|adj|adv)\s+)?\d+:\s)/, " $body") {
            $sense =~ s/^\s*(?:(?:n|v|adj|adv)\s+)?\d+:\s*// or next;
            my @synonyms = grep { $_ ne $head && /^[a-z]+$/ } $sense =~ /\{([^}]+)\}/g;
            $sense =~ s/\[(?:syn|ant|also):.*?\]//g;
            my @examples = $sense =~ /"([^"]+)"/g;
            (my $gloss = $sense) =~ s/;?\s*"[^"]*"//g;
            $gloss =~ s/[;\s]+$//;
            $gloss =~ s/^\s+//;
            next if $gloss eq "";
            print ucfirst($head), " means $gloss.\n";
            $sentences++;
            for my $example (@examples) {
                $example =~ s/\s+$//;
                $example =~ s/[.!?]*$/./;
                print ucfirst($example), "\n";
                $sentences++;
            }
            if (@synonyms) { print ucfirst($head), " is like ", join(", ", @synonyms), ".\n"; $sentences++ }
        }
    }
    printf STDERR "wordnet-sentences: %d of %d corpus words have WordNet entries; %d sentences\n", $used, scalar keys %want, $sentences;
' "$words" >"$out.part" || die source "could not read $SOURCE_FILE"
[[ -s $out.part ]] || die source "no WordNet entry matched the corpora's words"
mv -f -- "$out.part" "$out" || die output "cannot write $out"

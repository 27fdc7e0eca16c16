# RunRecords.pm: reading a training run's records and summarising scores, for the table tools (results-table.sh,
# folds-kd.sh, pad-table.sh): `perl -I tools/lib -MRunRecords -e ...`.
package RunRecords;
use strict;
use warnings;
use JSON::PP qw(decode_json);
use Exporter qw(import);
our @EXPORT = qw(slurp best_epoch summary);

# The decoded JSON of a file, or undef where there is none.
sub slurp { local $/; open my $f, "<", $_[0] or return undef; decode_json(<$f>) }

# A run folder's best epoch as the trainer keeps it (the first with the highest UA): { wa, ua, f1, final (the last
# epoch's UA), four (the 4-class UA of eval-4class.json, or undef), epochs (how many ran), planned (the config's
# training.epochs, or undef), finished }, as fractions; undef where no epoch ran. An unfinished run's best epoch so far
# may not be its best: callers do not count it.
sub best_epoch {
    my ($dir) = @_;
    open my $f, "<", "$dir/metrics.jsonl" or return undef;
    my @epochs = map { decode_json($_) } grep { /\S/ } <$f>;
    return undef unless @epochs;
    my $config = do { local $/; open my $c, "<", "$dir/config.yaml" or die "$dir/config.yaml: $!\n"; <$c> };
    my ($planned) = $config =~ /^training:\n(?:  .*\n)*?  epochs: (\d+)/m;
    my $best = $epochs[0];
    for (@epochs) { $best = $_ if $_->{ua} > $best->{ua} }
    my $four = slurp("$dir/eval-4class.json");
    return { wa => $best->{wa}, ua => $best->{ua}, f1 => $best->{macro_f1}, final => $epochs[-1]{ua},
             four => $four ? $four->{ua} : undef, epochs => scalar @epochs, planned => $planned,
             finished => !(defined $planned && @epochs < $planned) };
}

# summary(SCALE, VALUES...): "mean ± sample std" of the defined values times SCALE (100 turns fractions into percent),
# to one decimal; the value alone where there is one, "–" where none. Scaling the mean, not each value, keeps the tables'
# last digits as they were printed before this module existed.
sub summary {
    my ($scale, @v) = @_;
    @v = grep { defined } @v;
    return "–" unless @v;
    my $m = 0; $m += $_ / @v for @v;
    my $s = 0; $s += ($_ - $m) ** 2 for @v;
    return @v > 1 ? sprintf("%.1f ± %.1f", $scale * $m, $scale * sqrt($s / (@v - 1))) : sprintf("%.1f", $scale * $m);
}

1;

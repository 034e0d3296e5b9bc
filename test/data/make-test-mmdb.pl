#!/usr/bin/perl
# Write a small MaxMind-format location database (GeoLite2 Country and ASN fields) with known
# networks, nested ones included, for the location tests. Needs Debian's
# libmaxmind-db-writer-perl.   usage: make-test-mmdb.pl OUT.mmdb [moved]
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my %types = (
    country                  => 'map',
    registered_country       => 'map',
    iso_code                 => 'utf8_string',
    autonomous_system_number => 'uint32',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'scanscope-test-country-asn',
    languages                => ['en'],
    description              => { en => 'scanscope test database' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,
);
# network => [country, ASN]; a later, more specific network overrides part of an earlier one.
# The variant `moved` is the database a month later: 198.51.100.0/24 and 100.200.0.0/24 moved
# to Germany (a country the first one lacks) and 203.0.113.0/24 to Russia; the reload test swaps
# it in. The sensor locates no source in a special-purpose range (documentation ranges
# included) whatever a database says, so the reload test's sources are in 100.200.0.0/24, an
# ordinary range (its frames never leave the test's own link).
my $moved = ($ARGV[1] // '') eq 'moved';
my @networks = $moved ? (
    [ '198.51.100.0/24',   'DE', 64510 ],
    [ '203.0.113.0/24',    'RU', 64511 ],
    [ '100.200.0.0/24',    'DE', 64512 ],
) : (
    [ '100.200.0.0/24',    'RU', 64504 ],
    [ '198.51.100.0/24',   'RU', 64500 ],
    [ '198.51.100.128/25', 'US', 64501 ],
    [ '203.0.113.0/24',    'BG', 64502 ],
    [ '2001:db8:1::/48',   'JP', 64503 ],
);
for my $n (@networks) {
    $tree->insert_network($n->[0],
        { country => { iso_code => $n->[1] }, autonomous_system_number => $n->[2] });
}
# Only a registered country, as GeoLite2 has for some networks.
$tree->insert_network('192.0.2.0/25', { registered_country => { iso_code => 'NL' } });
open my $fh, '>:raw', $ARGV[0] or die "cannot write $ARGV[0]: $!";
$tree->write_tree($fh);
close $fh;

psql -d "$DB" <<EOF
DELETE FROM t WHERE id = $(cat id) AND x = `date` \$y;
EOF

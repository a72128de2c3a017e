psql <<'EOF'
DROP TABLE $x;
EOF

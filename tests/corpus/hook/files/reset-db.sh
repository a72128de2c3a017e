#!/bin/sh
set -e
npx prisma migrate reset --force --skip-seed

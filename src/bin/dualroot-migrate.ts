#!/usr/bin/env node
import { main, migrateParser } from '../cli/migrate.js';
import { start } from '../cli/run.js';

start('dualroot-migrate', main, migrateParser);

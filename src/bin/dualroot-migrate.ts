#!/usr/bin/env node
import { main } from '../cli/migrate.js';
import { start } from '../cli/run.js';

start('dualroot-migrate', main);

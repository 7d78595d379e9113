#!/usr/bin/env node
import { diskParser, main } from '../cli/disk.js';
import { start } from '../cli/run.js';

start('dualroot-disk', main, diskParser);

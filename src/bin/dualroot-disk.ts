#!/usr/bin/env node
import { main } from '../cli/disk.js';
import { start } from '../cli/run.js';

start('dualroot-disk', main);

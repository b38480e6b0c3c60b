// The release's man pages and shell completion, generated from oclif.manifest.json: mpegflow.1 and one page per
// command, git-style (mpegflow-job-submit.1 for `mpegflow job submit`), gzipped, and static bash and zsh
// completion scripts that need neither the CLI nor a cache to run. Reproducible: the pages are dated by
// SOURCE_DATE_EPOCH, commands and topics are sorted, and gzipSync writes no file name or time in its header.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const BIN = 'mpegflow';

const ENVIRONMENT = [
  [
    'MPEGFLOW_HOME',
    'The folder of the state (state.db), your own presets (presets/) and endpoint secrets. Default: $XDG_STATE_HOME/mpegflow, else ~/.local/state/mpegflow.',
  ],
  [
    'MPEGFLOW_DATABASE_URL',
    'A postgres:// URL: the shared state of an encoder pool. Unset, the state is the SQLite file in MPEGFLOW_HOME.',
  ],
  [
    'MPEGFLOW_HOST_NAME',
    "This host's name in a pool and in the audit log, where host names are random (containers). Default: the system's.",
  ],
  ['MPEGFLOW_FFMPEG, MPEGFLOW_FFPROBE', 'The ffmpeg and ffprobe to run. Default: those on PATH.'],
  ['NO_COLOR', 'Set and not empty: no styling at all.'],
  ['DEBUG', 'Set to mpegflow*: shows error causes and stack traces, as --verbose does.'],
];

const FILES = [
  ['$MPEGFLOW_HOME/state.db', 'The state: endpoints, jobs, routes, the license and the audit log (SQLite).'],
  ['$MPEGFLOW_HOME/presets/', 'Presets of your own, NAME.json; one named as a built-in replaces it.'],
  ['/var/lib/mpegflow', "The state of the mpegflow system user, the services' MPEGFLOW_HOME (the Debian package)."],
  ['/var/lib/mpegflow-metrics', "Prometheus textfiles for node_exporter's textfile collector (the Debian package)."],
  ['/etc/mpegflow', "The services' environment: mpegflow.env (MPEGFLOW_DATABASE_URL, endpoint secrets) and worker-N.env."],
];

// ---- roff

/** Text as roff reads it literally: backslashes, hyphens as minus signs, no line that starts as a request. */
function roff(text) {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .replace(/[^\x20-\x7e\n]/gu, (ch) => `\\[u${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .replace(/^(?=[.'])/gm, '\\&');
}

/** One line of text: `code` in bold. */
const inline = (text) => roff(text.replaceAll('<%= config.bin %>', BIN)).replace(/`([^`\n]+)`/g, '\\fB$1\\fR');

/** Prose: `code` in bold, paragraphs apart, no blank line (roff reads one as a break of its own). */
function prose(text) {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((paragraph) => inline(paragraph).replace(/^\s+/gm, ''))
    .join('\n.PP\n');
}

const bold = (text) => `\\fB${roff(text)}\\fR`;
const italic = (text) => `\\fI${roff(text)}\\fR`;
const words = (id) => id.split(':').join(' ');
const pageName = (id) => `${BIN}-${id.split(':').join('-')}`;
const reference = (id) => `${bold(pageName(id))}(1)`;
/** The flags a user gives, the command's own first and then the global ones (--json, --verbose). */
const visibleFlags = (command) => {
  const flags = Object.values(command.flags).filter((flag) => !flag.hidden);
  return [...flags.filter((flag) => flag.helpGroup !== 'GLOBAL'), ...flags.filter((flag) => flag.helpGroup === 'GLOBAL')];
};

function header(title, date, version) {
  return [
    `.\\" Generated from oclif.manifest.json by scripts/release-docs.mjs: edit the commands, not this page.`,
    `.TH ${roff(title.toUpperCase())} 1 "${date}" "${BIN} ${roff(version)}" "MpegFlow Manual"`,
    // no hyphenation, ragged right: what a command line or a flag in the text needs to stay whole
    '.nh',
    '.ad l',
  ];
}

function section(name, ...lines) {
  return [`.SH ${name}`, ...lines];
}

function definitions(entries) {
  return entries.flatMap(([term, text]) => ['.TP', term, text]);
}

function flagValue(flag) {
  if (flag.type !== 'option') return '';
  return `=${italic(flag.helpValue ?? (flag.options ? flag.options.join('|') : 'VALUE'))}`;
}

function flagForms(flag) {
  const longs = [flag.allowNo ? `--[no-]${flag.name}` : `--${flag.name}`, ...(flag.aliases ?? []).map((alias) => `--${alias}`)];
  const forms = [...(flag.char ? [`-${flag.char}`] : []), ...longs].map(bold);
  return `${forms.join(', ')}${flagValue(flag)}`;
}

function flagText(flag) {
  const notes = [flag.description ? flag.description.replace(/\.?$/, '.') : ''];
  if (flag.options) notes.push(`One of: ${flag.options.join(', ')}.`);
  const fallback = Array.isArray(flag.default) ? flag.default.join(', ') : flag.default;
  if (fallback !== undefined && fallback !== '' && fallback !== false) notes.push(`Default: ${fallback}.`);
  if (flag.required) notes.push('Required.');
  if (flag.multiple) notes.push('May be given more than once.');
  if (flag.dependsOn?.length) notes.push(`Needs ${flag.dependsOn.map((name) => `--${name}`).join(', ')}.`);
  if (flag.exclusive?.length) notes.push(`Not with ${flag.exclusive.map((name) => `--${name}`).join(', ')}.`);
  return prose(notes.filter(Boolean).join(' '));
}

function synopsis(command) {
  const required = visibleFlags(command)
    .filter((flag) => flag.required)
    .map((flag) => `${bold(`--${flag.name}`)}${flagValue(flag)}`);
  const args = Object.values(command.args).map((arg) =>
    arg.required ? italic(arg.name.toUpperCase()) : `[${italic(arg.name.toUpperCase())}]`,
  );
  // a command that is not strict takes more arguments than it names: the last one repeated
  if (command.strict === false && args.length) args.push('...');
  return [`${bold(`${BIN} ${words(command.id)}`)} ${[...required, `[${italic('OPTIONS')}]`, ...args].join(' ')}`];
}

function exitStatus(monitoring) {
  if (monitoring)
    return definitions([
      ['0', 'OK.'],
      ['1', 'WARNING.'],
      ['2', 'CRITICAL.'],
      ['3', 'UNKNOWN, a usage error included (never 2, which monitoring reads as CRITICAL).'],
    ]);
  return definitions([
    ['0', 'Success.'],
    ['1', 'Failure.'],
    ['2', 'Usage error.'],
  ]);
}

function examples(command) {
  return (command.examples ?? []).flatMap((example) => {
    const text = typeof example === 'string' ? example : example.command;
    return ['.PP', '.RS 4', '.nf', roff(`$ ${text.replaceAll('<%= config.bin %>', BIN)}`), '.fi', '.RE'];
  });
}

function commandPage(command, ids, date, version) {
  const topic = command.id.includes(':') ? command.id.slice(0, command.id.lastIndexOf(':')) : undefined;
  const related = ids.filter((id) => id !== command.id && (id.startsWith(`${command.id}:`) || (topic && id.startsWith(`${topic}:`))));
  const args = Object.values(command.args);
  return [
    ...header(pageName(command.id), date, version),
    ...section('NAME', `${roff(pageName(command.id))} \\- ${roff((command.summary ?? '').replaceAll('`', ''))}`),
    ...section('SYNOPSIS', ...synopsis(command)),
    ...section('DESCRIPTION', prose(command.description ?? command.summary ?? '')),
    ...(args.length
      ? section('ARGUMENTS', ...definitions(args.map((arg) => [italic(arg.name.toUpperCase()), prose(arg.description ?? '')])))
      : []),
    ...section(
      'OPTIONS',
      ...definitions([
        ...visibleFlags(command).map((flag) => [flagForms(flag), flagText(flag)]),
        [bold('--help'), 'Show this help and exit.'],
      ]),
    ),
    ...section('EXIT STATUS', ...exitStatus(command.monitoring)),
    ...(command.examples?.length ? section('EXAMPLES', ...examples(command)) : []),
    ...section('SEE ALSO', [`${bold(BIN)}(1)`, ...related.map(reference)].join(', ')),
    '',
  ].join('\n');
}

function mainPage({ commands, ids, topics, monitoring, date, version }) {
  return [
    ...header(BIN, date, version),
    ...section('NAME', `${BIN} \\- video encoding, erasure\\-coding health, replication and audit for MinIO operators`),
    ...section(
      'SYNOPSIS',
      `${bold(BIN)} ${italic('TOPIC')} ${italic('COMMAND')} [${italic('OPTIONS')}] [${italic('ARGUMENTS')}]`,
      '.br',
      `${bold(BIN)} ${bold('--version')}`,
    ),
    ...section(
      'DESCRIPTION',
      prose(
        'MpegFlow encodes video with ffmpeg from and to MinIO or any S3 store, checks erasure-coding health, sets up and verifies bucket replication, validates licenses offline and keeps a tamper-evident audit log.\n\n' +
          'Commands are grouped in topics, given as separate words (`mpegflow job submit`). Every command has --json, which prints exactly one JSON document on standard output; progress, logs and warnings go to standard error. Each command has a page of its own, named as the command with hyphens: mpegflow-job-submit(1).',
      ),
    ),
    ...section(
      'COMMANDS',
      ...definitions(ids.map((id) => [`${bold(`${BIN} ${words(id)}`)}`, `${inline(commands[id].summary ?? '')} See ${reference(id)}.`])),
    ),
    ...(Object.keys(topics).length
      ? section(
          'TOPICS',
          ...definitions(
            Object.keys(topics)
              .sort()
              .map((topic) => [bold(topic), roff(topics[topic].description ?? '')]),
          ),
        )
      : []),
    ...section(
      'EXIT STATUS',
      ...exitStatus(false),
      '.PP',
      `${monitoring.map((id) => bold(`${BIN} ${words(id)}`)).join(', ')} follow the monitoring plugin convention:`,
      ...exitStatus(true),
    ),
    ...section('ENVIRONMENT', ...definitions(ENVIRONMENT.map(([name, text]) => [bold(name), roff(text)]))),
    ...section('FILES', ...definitions(FILES.map(([name, text]) => [italic(name), roff(text)]))),
    ...section('SEE ALSO', `${bold('ffmpeg')}(1), ${bold('ffprobe')}(1)`),
    '',
  ].join('\n');
}

// ---- completion

/** Every topic (a prefix of a command id) and command, with what may follow it as a next word. */
function tree(ids) {
  const children = new Map([['', new Set()]]);
  for (const id of ids) {
    const parts = id.split(':');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(':');
      if (!children.has(parent)) children.set(parent, new Set());
      children.get(parent).add(parts[i]);
    }
  }
  return new Map([...children].map(([node, next]) => [node, [...next].sort()]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const single = (text) => `'${text.replaceAll("'", "'\\''")}'`;
const longNames = (flag) => [flag.name, ...(flag.aliases ?? []), ...(flag.allowNo ? [`no-${flag.name}`] : [])].map((name) => `--${name}`);
const firstLine = (text) => (text ?? '').split('\n')[0].trim();

function bashCompletion({ commands, ids, version }) {
  const nodes = tree(ids);
  const known = [...new Set([...nodes.keys(), ...ids])].filter(Boolean).sort();
  const nextCases = [...nodes].map(([node, next]) => `    ${single(node)}) echo ${single(next.join(' '))} ;;`);
  const flagCases = ids.map((id) => {
    const flags = visibleFlags(commands[id]).flatMap((flag) => [...(flag.char ? [`-${flag.char}`] : []), ...longNames(flag)]);
    return `    ${single(id)}) echo ${single([...flags, '--help'].join(' '))} ;;`;
  });
  const valueFlags = ids.flatMap((id) =>
    visibleFlags(commands[id])
      .filter((flag) => flag.type === 'option')
      .flatMap((flag) => [...(flag.char ? [`-${flag.char}`] : []), ...longNames(flag)].map((form) => [`${id} ${form}`, flag.options])),
  );
  return `# bash completion for ${BIN} ${version}: topics, commands, flags and their values.
# Generated from oclif.manifest.json by scripts/release-docs.mjs.

# what may follow a topic or command ('': the first word)
_mpegflow_next() {
  case $1 in
${nextCases.join('\n')}
  esac
}

_mpegflow_known() {
  case $1 in
    ${known.map(single).join(' | ')}) return 0 ;;
  esac
  return 1
}

_mpegflow_flags() {
  case $1 in
${flagCases.join('\n')}
  esac
}

# the values of a flag that takes one: its options, or * (any: files)
_mpegflow_values() {
  case $1 in
${valueFlags.map(([key, options]) => `    ${single(key)}) echo ${single(options ? options.join(' ') : '*')} ;;`).join('\n')}
    *) return 1 ;;
  esac
}

_mpegflow() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD - 1]} id='' i values
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    _mpegflow_known "\${id:+$id:}\${COMP_WORDS[i]}" || break
    id=\${id:+$id:}\${COMP_WORDS[i]}
  done
  # --flag=value: bash splits the word at the =
  if [[ $cur == = ]]; then
    cur=''
  elif [[ $prev == = ]]; then
    prev=\${COMP_WORDS[COMP_CWORD - 2]}
  fi
  if [[ $prev == -* ]] && values=$(_mpegflow_values "$id $prev"); then
    if [[ $values == '*' ]]; then
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
    fi
  elif [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_mpegflow_flags "$id")" -- "$cur")
  elif ((i == COMP_CWORD)) && [[ -n $(_mpegflow_next "$id") ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_mpegflow_next "$id")" -- "$cur")
  else
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}

complete -F _mpegflow ${BIN}
`;
}

/** Text inside single quotes in a zsh _arguments spec: no brackets or colons unescaped. */
const zshDescription = (text) => firstLine(text).replace(/([[\]:\\])/g, '\\$1');

function zshFlagSpecs(flag) {
  const description = `[${zshDescription(flag.description)}]`;
  const value = flag.type === 'option' ? `:${flag.helpValue ?? flag.name}:${flag.options ? `(${flag.options.join(' ')})` : '_files'}` : '';
  const repeat = flag.multiple ? '*' : '';
  const suffix = flag.type === 'option' ? '=' : '';
  const forms = [...(flag.char ? [`-${flag.char}`] : []), `--${flag.name}`, ...(flag.aliases ?? []).map((alias) => `--${alias}`)];
  const exclusion = forms.length > 1 && !flag.multiple ? `(${forms.join(' ')})` : '';
  const specs = forms.map((form) =>
    single(`${exclusion}${repeat}${form}${form.startsWith('--') ? suffix : flag.type === 'option' ? '+' : ''}${description}${value}`),
  );
  if (flag.allowNo) specs.push(single(`--no-${flag.name}[${zshDescription(`not --${flag.name}`)}]`));
  return specs;
}

function zshCompletion({ commands, ids, topics, version }) {
  const nodes = tree(ids);
  const describe = (node, name) => {
    const id = node ? `${node}:${name}` : name;
    return single(`${name}:${firstLine(commands[id]?.summary ?? topics[id]?.description)}`);
  };
  const nextCases = [...nodes].map(
    ([node, next]) => `    (${single(node)}) next=(${next.map((name) => describe(node, name)).join(' ')}) ;;`,
  );
  const argumentCases = ids.map((id) => {
    const specs = [...visibleFlags(commands[id]).flatMap(zshFlagSpecs), single('--help[Show help]')];
    if (Object.keys(commands[id].args).length) specs.push(single('*:argument:_files'));
    return `    (${single(id)}) _arguments -s -S ${specs.join(' ')} ;;`;
  });
  return `#compdef ${BIN}
# zsh completion for ${BIN} ${version}: topics, commands, flags and their values.
# Generated from oclif.manifest.json by scripts/release-docs.mjs.

_mpegflow_arguments() {
  case $1 in
${argumentCases.join('\n')}
  esac
}

_mpegflow() {
  local id='' word i
  local -a next
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    case \${id:+\${id}:}$word in
      (${[...new Set([...nodes.keys(), ...ids])].filter(Boolean).sort().map(single).join('|')}) id=\${id:+\${id}:}$word ;;
      (*) break ;;
    esac
  done
  case $id in
${nextCases.join('\n')}
    (*) next=() ;;
  esac
  if ((i == CURRENT)) && ((\${#next})) && [[ \${words[CURRENT]} != -* ]]; then
    _describe -t commands 'mpegflow command' next
    return
  fi
  # the command's own words from here: _arguments reads words[1] as the command
  words=("$id" "\${(@)words[i,-1]}")
  ((CURRENT = CURRENT - i + 2))
  _mpegflow_arguments "$id"
}

_mpegflow "$@"
`;
}

/**
 * Writes man/man1/*.1.gz and completions/mpegflow (bash) and completions/_mpegflow (zsh) into `dir`.
 * `manifest`: oclif.manifest.json; `topics`: package.json's oclif.topics; `epoch`: SOURCE_DATE_EPOCH.
 */
export function writeReleaseDocs(dir, { manifest, version, epoch, topics = {} }) {
  const commands = manifest.commands;
  const ids = Object.keys(commands)
    .filter((id) => !commands[id].hidden)
    .sort();
  const date = new Date(Number(epoch) * 1000).toISOString().slice(0, 10);
  const monitoring = ids.filter((id) => commands[id].monitoring);
  const man = path.join(dir, 'man', 'man1');
  const completions = path.join(dir, 'completions');
  mkdirSync(man, { recursive: true });
  mkdirSync(completions, { recursive: true });
  const gzip = (text) => gzipSync(text, { level: 9 });
  writeFileSync(path.join(man, `${BIN}.1.gz`), gzip(mainPage({ commands, ids, topics, monitoring, date, version })));
  for (const id of ids) writeFileSync(path.join(man, `${pageName(id)}.1.gz`), gzip(commandPage(commands[id], ids, date, version)));
  writeFileSync(path.join(completions, BIN), bashCompletion({ commands, ids, version }));
  writeFileSync(path.join(completions, `_${BIN}`), zshCompletion({ commands, ids, topics, version }));
}

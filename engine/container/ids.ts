/** Container IDs (64 lowercase hex, docker's form) and docker-style generated names. */
import { randomBytes, randomInt } from 'node:crypto';

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

const ADJECTIVES = [
  'admiring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave', 'busy', 'charming', 'clever',
  'compassionate', 'competent', 'confident', 'cool', 'dazzling', 'determined', 'eager', 'ecstatic', 'elastic',
  'elegant', 'epic', 'exciting', 'fervent', 'festive', 'focused', 'friendly', 'gallant', 'gifted', 'goofy',
  'gracious', 'happy', 'hopeful', 'hungry', 'inspiring', 'jolly', 'keen', 'kind', 'laughing', 'loving', 'lucid',
  'magical', 'modest', 'musing', 'nice', 'nifty', 'nostalgic', 'objective', 'optimistic', 'peaceful', 'pensive',
  'practical', 'priceless', 'quirky', 'quizzical', 'relaxed', 'reverent', 'romantic', 'serene', 'sharp', 'silly',
  'sleepy', 'stoic', 'strange', 'sweet', 'tender', 'thirsty', 'trusting', 'upbeat', 'vibrant', 'vigilant',
  'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
] as const;

const NAMES = [
  'agnesi', 'albattani', 'allen', 'archimedes', 'babbage', 'banach', 'bardeen', 'bell', 'blackwell', 'bohr',
  'booth', 'borg', 'brahmagupta', 'cannon', 'carson', 'cerf', 'curie', 'darwin', 'dijkstra', 'einstein', 'euclid',
  'euler', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gauss', 'goldberg', 'goodall', 'hamilton',
  'hawking', 'heisenberg', 'hopper', 'hypatia', 'johnson', 'kalam', 'kapitsa', 'keller', 'kepler', 'knuth',
  'lamarr', 'leakey', 'lovelace', 'lumiere', 'mayer', 'mccarthy', 'meitner', 'mendel', 'morse', 'napier', 'newton',
  'noether', 'pascal', 'pasteur', 'perlman', 'pike', 'poincare', 'ride', 'ritchie', 'rosalind', 'shannon', 'sinoussi',
  'stonebraker', 'swartz', 'tesla', 'thompson', 'torvalds', 'turing', 'villani', 'wescoff', 'wiles', 'wozniak',
  'yalow', 'yonath',
] as const;

/** `adjective_name`, as docker and podman generate; the caller retries on a clash. */
export function randomName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NAMES[randomInt(NAMES.length)]}`;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function isValidName(name: string): boolean {
  return NAME_RE.test(name);
}

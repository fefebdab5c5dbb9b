import { randomInt } from 'node:crypto';

// Words for server-assigned run names in W&B's style: adjective-noun-N, N = the run's number in its project.
const ADJECTIVES = [
  'amber', 'ancient', 'autumn', 'balmy', 'blooming', 'bold', 'brave', 'breezy', 'bright', 'calm', 'celestial',
  'charmed', 'cheerful', 'clean', 'clear', 'comic', 'cosmic', 'crimson', 'crisp', 'curious', 'dainty', 'dark',
  'dashing', 'dauntless', 'deep', 'desert', 'devout', 'dulcet', 'dutiful', 'eager', 'earnest', 'easy',
  'efficient', 'electric', 'elegant', 'emerald', 'ethereal', 'fancy', 'fast', 'fearless', 'fiery', 'fine',
  'fluent', 'fragrant', 'fresh', 'frosty', 'gallant', 'gentle', 'gilded', 'glad', 'glamorous', 'glorious',
  'golden', 'graceful', 'grateful', 'hardy', 'helpful', 'hearty', 'honest', 'hopeful', 'icy', 'jolly', 'jumping',
  'kind', 'laced', 'lemon', 'light', 'lilac', 'lively', 'lucky', 'lunar', 'lyric', 'magic', 'major', 'misty',
  'morning', 'noble', 'northern', 'olive', 'pleasant', 'polar', 'proud', 'quiet', 'radiant', 'rare', 'restful',
  'rich', 'rosy', 'royal', 'rural', 'sage', 'scarlet', 'serene', 'silver', 'smart', 'smooth', 'snowy', 'solar',
  'spring', 'stellar', 'still', 'stoic', 'summer', 'sunny', 'swift', 'tender', 'thriving', 'tough', 'twilight',
  'upbeat', 'vibrant', 'vital', 'vivid', 'wandering', 'warm', 'wild', 'winter', 'wise', 'woven', 'young', 'zesty',
];
const NOUNS = [
  'aardvark', 'bird', 'blaze', 'bloom', 'breeze', 'brook', 'bush', 'butterfly', 'cherry', 'cloud', 'comet',
  'cosmos', 'cherry', 'dawn', 'deluge', 'dew', 'disco', 'donkey', 'dream', 'dust', 'eon', 'feather', 'field',
  'fire', 'firefly', 'flower', 'fog', 'forest', 'frog', 'frost', 'galaxy', 'glade', 'glitter', 'grass', 'haze',
  'hill', 'lake', 'leaf', 'lion', 'meadow', 'microwave', 'monkey', 'moon', 'morning', 'mountain', 'night',
  'oath', 'ocean', 'paper', 'pine', 'planet', 'plasma', 'pond', 'puddle', 'rain', 'resonance', 'river', 'salad',
  'sea', 'serenity', 'shadow', 'shape', 'silence', 'sky', 'smoke', 'snow', 'snowflake', 'sound', 'spaceship',
  'star', 'sun', 'sunset', 'surf', 'terrain', 'thunder', 'tree', 'universe', 'valley', 'violet', 'voice',
  'water', 'wave', 'waterfall', 'wildflower', 'wind', 'wood', 'yogurt',
];

const pick = (words: readonly string[]) => words[randomInt(words.length)]!;

export function generateRunDisplayName(runNumber: number): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${runNumber}`;
}

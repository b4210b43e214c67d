// CIDs the CID and path tests share: the store's kind, and valid CIDs of kinds the store does not hold.
export const CID = 'bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm'; // CID of "a"
export const DAG_PB = 'bafybeigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm';
export const UPPER = 'BAFKREIGKS6ARFSQ3XXFPVQRRWONCHXCNU6DO76AUPRHHFOMAO6C273SIXM';
export const BASE58 = 'zb2rhkH7YENgBZDCu4DK5oQLHKiHQgbR8z9274uJb8X4gxYsc';
export const V0 = 'QmbyV4BASLJCFiCfKz37eNwFX8y6hefQ7LGpzvEwJQzNft';
export const BLAKE3 = 'bafk2bzacedfjpaiszin33sx2yiy3hgrd3rg2pbxp7akhyttsxgahpbnp5zelw';

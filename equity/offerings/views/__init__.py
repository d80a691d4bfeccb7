"""Offering pages: `public` for purchasers and visitors, `issuer` for issuers' representatives."""

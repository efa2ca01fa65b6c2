-- Tenants get a slug for their public URLs: lower-case letters, digits and dashes, unique.
-- Tenants made before it get `t-` and their id in hex (the business can change it).
ALTER TABLE tenants ADD COLUMN slug TEXT;
UPDATE tenants SET slug = 't-' || replace(id::text, '-', '') WHERE slug IS NULL;
ALTER TABLE tenants ALTER COLUMN slug SET NOT NULL;
CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug);

-- Annual reviews (annual_reviews.py). Applied at every start; every statement is idempotent.
CREATE TABLE IF NOT EXISTS annual_reviews (
    tenant_id text COLLATE "C" NOT NULL,
    held_on date NOT NULL,
    achievements text[] NOT NULL,
    aspirations text[] NOT NULL,
    issues text[] NOT NULL,
    amendments text[] NOT NULL,
    recorded_by text NOT NULL,
    PRIMARY KEY (tenant_id, held_on)
);

-- The four questions asked of each finished joint project at an annual review.
CREATE TABLE IF NOT EXISTS annual_review_projects (
    tenant_id text COLLATE "C" NOT NULL,
    held_on date NOT NULL,
    project text NOT NULL,
    went_well text NOT NULL,
    difficult text NOT NULL,
    different_next_time text NOT NULL,
    strategic_issues text NOT NULL,
    PRIMARY KEY (tenant_id, held_on, project),
    FOREIGN KEY (tenant_id, held_on) REFERENCES annual_reviews (tenant_id, held_on)
);

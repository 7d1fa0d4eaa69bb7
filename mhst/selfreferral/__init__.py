"""The public online self-referral: a young person, or a parent or carer, asks the team
for help without an account, one question a page; the answers wait server-side in a
draft until they are sent, then go through the same domain code as a staff referral."""
